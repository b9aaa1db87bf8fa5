import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsNotEmpty,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class BatchReplayDto {
  @ApiPropertyOptional({
    description: 'Visibility query selecting the workflows, e.g. `ReviewStage = "assessment"`',
    example: "WorkflowType = 'reviewWorkflow' AND ExecutionStatus = 'Running'",
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  query?: string;

  @ApiPropertyOptional({ type: [String], description: 'Or the workflow ids to replay' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  workflowIds?: string[];

  @ApiPropertyOptional({ default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ReplayResultDto {
  @ApiProperty() workflowId!: string;
  @ApiPropertyOptional() runId?: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional({ example: 'DeterminismViolationError' }) errorType?: string;
  @ApiPropertyOptional() error?: string;
}

export class ReplayReportDto {
  @ApiProperty() replayed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [ReplayResultDto] }) results!: ReplayResultDto[];
}

export class WorkflowQueryDto {
  @ApiProperty({ example: "WorkflowType = 'reviewWorkflow' AND ExecutionStatus = 'Running'" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  query!: string;

  @ApiPropertyOptional({ default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

export class WorkflowListDto {
  @ApiProperty({ type: [String] }) workflowIds!: string[];
}
