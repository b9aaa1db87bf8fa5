import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsCalendarDate, IsDateWithin, PageLimit } from './query-validators';

export class DeadlineCalendarQueryDto {
  @ApiProperty({ example: '2027-01-01', description: 'First day (UTC), inclusive' })
  @IsCalendarDate('from')
  from!: string;

  @ApiProperty({
    example: '2027-01-31',
    description: 'Last day (UTC), inclusive; at most 366 days after from',
  })
  @IsCalendarDate('to')
  @IsDateWithin('from', 366)
  to!: string;

  @PageLimit(500, 2000)
  limit?: number;
}

export class CalendarDeadlineDto {
  @ApiProperty() reviewId!: string;
  @ApiProperty() developerOrg!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() stage!: string;
  @ApiProperty() deadlineId!: string;
  @ApiProperty() label!: string;
  @ApiProperty({ enum: ['stage', 'step', 'information_request'] }) kind!: string;
  @ApiPropertyOptional() agency?: string;
  @ApiPropertyOptional() stepId?: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ description: 'A clock stop is open: the due date moves when it resumes' })
  clockStopped!: boolean;
  @ApiProperty() pendingExtensions!: number;
}

export class DeadlineCalendarDto {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [CalendarDeadlineDto], description: 'Soonest first' })
  items!: CalendarDeadlineDto[];
}
