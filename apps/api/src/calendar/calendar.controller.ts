import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { Type } from 'class-transformer';
import {
  IsISO8601,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DataSource } from 'typeorm';
import { calendarChangedSignal } from '../../../../workflows/definitions';
import { ActorDto } from '../common/actor.dto';
import { CalendarService } from './calendar.service';

export class ClosureDayDto {
  @ApiProperty({ example: '2026-12-24' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'date must be a valid calendar date' })
  date!: string;

  @ApiProperty({ example: 'Federal government shutdown' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason!: string;

  @ApiProperty({ type: ActorDto })
  @ValidateNested()
  @Type(() => ActorDto)
  actor!: ActorDto;
}

export class ClosureDayResponseDto {
  @ApiProperty() date!: string;
  @ApiProperty({ description: 'Open reviews told to recompute their deadlines' })
  reviewsNotified!: number;
}

export class CalendarResponseDto {
  @ApiProperty({ type: [String] }) nonBusinessDates!: string[];
}

@ApiTags('calendar')
@Controller('calendar')
export class CalendarController {
  constructor(
    private readonly calendar: CalendarService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  @Get()
  @ApiOkResponse({ type: CalendarResponseDto })
  async get(): Promise<CalendarResponseDto> {
    return { nonBusinessDates: await this.calendar.nonBusinessDates() };
  }

  /** Declare a closure day; every open review recomputes the deadlines it touches. */
  @Post('closures')
  @ApiCreatedResponse({ type: ClosureDayResponseDto })
  async addClosure(@Body() dto: ClosureDayDto): Promise<ClosureDayResponseDto> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO closure_days (date, reason, created_by) VALUES ($1, $2, $3) ON CONFLICT (date) DO NOTHING`,
        [dto.date, dto.reason, dto.actor.id],
      );
      await tx.query(
        `INSERT INTO audit_log (actor, action, target, justification, at, details) VALUES ($1, 'closure_day_added', $2, $3, now(), $4)`,
        [dto.actor.id, `calendar:${dto.date}`, dto.reason, JSON.stringify({ date: dto.date })],
      );
    });
    const nonBusinessDates = await this.calendar.nonBusinessDates();
    const open: { workflow_id: string }[] = await this.db.query(
      `SELECT workflow_id FROM reviews WHERE status = 'open'`,
    );
    for (const { workflow_id } of open) {
      await this.temporal.workflow
        .getHandle(workflow_id)
        .signal(calendarChangedSignal, {
          actor: { id: dto.actor.id },
          reason: dto.reason,
          nonBusinessDates,
        })
        .catch(() => undefined); // a review that closed meanwhile needs no new calendar
    }
    return { date: dto.date, reviewsNotified: open.length };
  }
}
