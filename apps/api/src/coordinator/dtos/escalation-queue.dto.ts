import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { EscalationTrigger } from '@engine/domain/review/review.types';
import { PageLimit, toInt } from './query-validators';

export const ESCALATION_TRIGGERS = [
  'missed_deadline',
  'dissent',
  'manual',
  'failed_step',
] as const satisfies readonly EscalationTrigger[];

export class EscalationQueueQueryDto {
  @ApiPropertyOptional({ description: 'Only escalations at exactly this ladder level' })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  level?: number;

  @ApiPropertyOptional({ enum: ESCALATION_TRIGGERS })
  @IsOptional()
  @IsIn(ESCALATION_TRIGGERS)
  trigger?: EscalationTrigger;

  @PageLimit(200, 1000)
  limit?: number;
}

export class QueuedEscalationDto {
  @ApiProperty() reviewId!: string;
  @ApiProperty() developerOrg!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() stage!: string;
  @ApiProperty({ description: 'Pass to POST /reviews/:id/escalations/:escalationId/acknowledge' })
  escalationId!: string;
  @ApiProperty({ enum: ESCALATION_TRIGGERS }) trigger!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() level!: number;
  @ApiProperty() levelName!: string;
  @ApiProperty() raisedAt!: string;
  @ApiPropertyOptional({ description: 'When it climbs to the next level unless acknowledged' })
  dueAt?: string;
}

export class EscalationQueueDto {
  @ApiProperty({ type: [QueuedEscalationDto], description: 'Highest level first, then oldest' })
  items!: QueuedEscalationDto[];
}
