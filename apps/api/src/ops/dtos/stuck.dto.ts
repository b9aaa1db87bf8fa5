import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const STUCK_KINDS = [
  'workflow_task_failing',
  'workflow_not_running',
  'read_model_missing',
  'activity_failing',
  'activity_paused',
  'no_poller',
  'step_failed',
  'escalation_ignored',
  'no_progress',
] as const;
export type StuckKind = (typeof STUCK_KINDS)[number];

export class StuckQueryDto {
  @ApiPropertyOptional({
    description:
      'Report no progress after this many seconds (default from OPS_NO_PROGRESS_MINUTES)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  noProgressSeconds?: number;

  @ApiPropertyOptional({
    description:
      'An escalation unacknowledged this long is ignored (default from OPS_ESCALATION_GRACE_MINUTES)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  escalationGraceSeconds?: number;

  @ApiPropertyOptional({
    description: 'Open reviews checked, most recently changed first',
    default: 200,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class SuggestedActionDto {
  @ApiProperty({ example: 'retry' }) action!: string;
  @ApiProperty({ example: 'reviewctl retry <review> --agency caisi --step ctf --reason "…"' })
  command!: string;
  @ApiProperty() explanation!: string;
}

export class StuckReasonDto {
  @ApiProperty({ enum: STUCK_KINDS }) kind!: StuckKind;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() workflowId?: string;
  @ApiPropertyOptional() agency?: string;
  @ApiPropertyOptional() stepId?: string;
  @ApiPropertyOptional() activityId?: string;
  @ApiPropertyOptional() attempts?: number;
  @ApiPropertyOptional() lastFailure?: string;
  @ApiPropertyOptional() taskQueue?: string;
  @ApiPropertyOptional() escalationId?: string;
  @ApiProperty({ type: SuggestedActionDto }) suggested!: SuggestedActionDto;
}

export class StuckReviewDto {
  @ApiProperty() reviewId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() stage!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ type: [StuckReasonDto] }) reasons!: StuckReasonDto[];
}

export class StuckReportDto {
  @ApiProperty() checkedAt!: string;
  @ApiProperty() reviewsChecked!: number;
  @ApiProperty({ type: [StuckReviewDto] }) items!: StuckReviewDto[];
}
