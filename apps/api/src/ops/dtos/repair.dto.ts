import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { OperatorActionDto } from '../operator.dto';

const AGENCY = /^[a-z][a-z0-9-]{1,30}$/;
const AGENCY_MESSAGE = 'must be an agency code such as caisi';

export class ResetDto extends OperatorActionDto {
  @ApiPropertyOptional({
    description:
      'Reset to the last completed workflow task before this history event; default: the last good workflow task',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  beforeEventId?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'Reapply signals received after the reset point',
  })
  @IsOptional()
  @IsBoolean()
  reapplySignals?: boolean;

  @ApiPropertyOptional({
    default: true,
    description: 'Reapply updates received after the reset point',
  })
  @IsOptional()
  @IsBoolean()
  reapplyUpdates?: boolean;
}

export const ACTIVITY_ACTIONS = ['retry', 'pause', 'unpause', 'reset'] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

export class ActivityActionDto extends OperatorActionDto {
  @ApiPropertyOptional({
    description: "The agency's workstream; omitted: the review workflow's own activities",
  })
  @IsOptional()
  @Matches(AGENCY, { message: `agency ${AGENCY_MESSAGE}` })
  agency?: string;

  @ApiPropertyOptional({
    description: 'The step whose activity is meant (when several are pending)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  stepId?: string;

  @ApiPropertyOptional({ description: 'The activity id, as GET /ops/stuck reports it' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  activityId?: string;
}

export class ReassignDto extends OperatorActionDto {
  @ApiPropertyOptional({ description: 'The analyst who must now submit the finding' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  analyst?: string;

  @ApiPropertyOptional({
    description: 'The agency now responsible (an automated step runs on its queue)',
  })
  @IsOptional()
  @Matches(AGENCY, { message: `toAgency ${AGENCY_MESSAGE}` })
  toAgency?: string;
}

export class EscalateDto extends OperatorActionDto {
  @ApiProperty({ example: 'CAISI step stalled for a week' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  subject!: string;

  @ApiPropertyOptional({ description: "A level of the protocol's ladder (default: the lowest)" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  level?: number;
}

export const BATCH_ACTIONS = [
  'reset',
  'skip',
  'retry',
  'reassign',
  'escalate',
  'rebuild',
  'terminate',
  'activity-retry',
  'activity-pause',
  'activity-unpause',
  'activity-reset',
] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];

export class BatchDto extends OperatorActionDto {
  @ApiProperty({ enum: BATCH_ACTIONS })
  @IsIn(BATCH_ACTIONS, { message: `action must be one of ${BATCH_ACTIONS.join(', ')}` })
  action!: BatchAction;

  @ApiProperty({
    description:
      "Visibility query over review workflows (WorkflowType = 'reviewWorkflow' is added)",
    example: 'ReviewStage = "assessment" AND LeadAgency = "caisi"',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  query!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(AGENCY, { message: `agency ${AGENCY_MESSAGE}` })
  agency?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) stepId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) analyst?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(AGENCY, { message: `toAgency ${AGENCY_MESSAGE}` })
  toAgency?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) subject?: string;

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(20) level?: number;

  @ApiPropertyOptional({
    description: 'Reviews acted on per second (default OPS_BATCH_RATE_PER_SECOND)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  ratePerSecond?: number;

  @ApiPropertyOptional({ description: 'At most this many reviews (default OPS_BATCH_LIMIT)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

export class RepairResultDto {
  @ApiProperty({ example: 'retry' }) action!: string;
  @ApiProperty() reviewId!: string;
  @ApiProperty({ type: Object, description: 'What the action changed, before it ran' })
  before!: Record<string, unknown>;
  @ApiProperty({ type: Object, description: 'The same, after' })
  after!: Record<string, unknown>;
}

export class ReceivedMessageDto {
  @ApiProperty() eventId!: number;
  @ApiProperty({ enum: ['signal', 'update'] }) kind!: 'signal' | 'update';
  @ApiProperty() name!: string;
}

export class ResetDeadlineDto {
  @ApiProperty() deadlineId!: string;
  @ApiProperty() label!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'The legal basis the clock counts from' }) basisAt!: string;
  @ApiPropertyOptional() dueAt?: string;
  @ApiProperty({ description: 'Set after the reset point: the reset re-creates it' })
  setAfterResetPoint!: boolean;
  @ApiPropertyOptional({ description: 'Due after the reset: the basis is kept' })
  dueAfterReset?: string;
  @ApiPropertyOptional({ description: 'What a restarted clock would say (never applied)' })
  dueIfClockRestarted?: string;
}

export class ResetStepDto {
  @ApiProperty() agency!: string;
  @ApiProperty() stepId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: string;
}

export class ResetPlanDto {
  @ApiProperty() reviewId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() runId!: string;
  @ApiProperty({ description: 'The completed workflow task the reset goes back to' })
  resetEventId!: number;
  @ApiProperty() resetPointAt!: string;
  @ApiProperty({ type: [ReceivedMessageDto] }) reapplied!: ReceivedMessageDto[];
  @ApiProperty({ type: [ReceivedMessageDto] }) dropped!: ReceivedMessageDto[];
  @ApiProperty({ type: [ResetStepDto], description: 'Steps whose work runs again' })
  stepsRunAgain!: ResetStepDto[];
  @ApiProperty({ type: [ResetDeadlineDto] }) deadlines!: ResetDeadlineDto[];
  @ApiProperty({ type: [String], description: 'Timeline events after the reset point (re-done)' })
  timelineRedone!: string[];
}
