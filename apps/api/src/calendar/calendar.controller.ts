import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { IsISO8601, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { calendarChangedSignal } from '../../../../workflows/definitions';
import { environment } from '@engine/config/environment';
import { appendAudit, type AuditActor } from '@engine/persistence';
import { CurrentAuditActor } from '../auth/principal';
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
@ApiBearerAuth()
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
  async addClosure(
    @Body() dto: ClosureDayDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<ClosureDayResponseDto> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO closure_days (date, reason, created_by) VALUES ($1, $2, $3) ON CONFLICT (date) DO NOTHING`,
        [dto.date, dto.reason, by.id],
      );
      await appendAudit(
        tx,
        [
          {
            actor: by.id,
            role: by.role,
            requestId: by.requestId,
            action: 'closure_day_added',
            target: `calendar:${dto.date}`,
            justification: dto.reason,
            details: { date: dto.date },
          },
        ],
        { chained: environment().AUDIT_HASH_CHAIN },
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
          actor: { id: by.id },
          reason: dto.reason,
          nonBusinessDates,
        })
        .catch(() => undefined); // a review that closed meanwhile needs no new calendar
    }
    return { date: dto.date, reviewsNotified: open.length };
  }
}
