import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { STEP_KINDS, type StepKind } from '@engine/domain/protocol/protocol.types';
import { IsAgencyCode, PageLimit } from './query-validators';

export class AgencyParamDto {
  @ApiProperty({ example: 'caisi' })
  @IsAgencyCode()
  agency!: string;
}

export class InboxQueryDto {
  @ApiPropertyOptional({ enum: STEP_KINDS, description: 'Only manual (or automated) steps' })
  @IsOptional()
  @IsIn(STEP_KINDS)
  kind?: StepKind;

  @PageLimit(100, 500)
  limit?: number;
}

export class InboxItemDto {
  @ApiProperty() reviewId!: string;
  @ApiProperty() developerOrg!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() modelVersion!: string;
  @ApiProperty() stage!: string;
  @ApiProperty() stepId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: STEP_KINDS }) kind!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ enum: ['open', 'running'] }) status!: string;
  @ApiPropertyOptional({ description: 'Absent when the step has no clock of its own' })
  dueAt?: string;
  @ApiProperty() overdue!: boolean;
  @ApiProperty({ description: 'Business days past due (0 when on time)' })
  passedByBusinessDays!: number;
}

export class InboxDto {
  @ApiProperty() agency!: string;
  @ApiProperty({
    type: [InboxItemDto],
    description: 'Due soonest first; steps without a due date last',
  })
  items!: InboxItemDto[];
}

export class AgencyDto {
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
}

export class AgencyListDto {
  @ApiProperty({ type: [AgencyDto] }) items!: AgencyDto[];
}
