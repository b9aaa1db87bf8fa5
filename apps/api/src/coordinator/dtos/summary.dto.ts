import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class SummaryQueryDto {
  @ApiPropertyOptional({
    description: 'Only reviews run on this protocol key',
    example: 'quick-check',
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,60}$/, {
    message: 'protocol must be a protocol key such as quick-check',
  })
  protocol?: string;
}

export class StageCountDto {
  @ApiProperty() stage!: string;
  @ApiProperty() count!: number;
}

export class AgencyOverdueDto {
  @ApiProperty() agency!: string;
  @ApiProperty({ description: 'Open or running steps of open reviews past their due date' })
  overdueSteps!: number;
}

export class StageDurationDto {
  @ApiProperty() stage!: string;
  @ApiProperty({ description: 'Median calendar days from entering the stage to leaving it' })
  medianDays!: number;
  @ApiProperty({ description: 'How many finished stage passes the median is taken over' })
  samples!: number;
}

export class SummaryDto {
  @ApiProperty({ type: [StageCountDto], description: 'Every open stage, zero counts included' })
  openByStage!: StageCountDto[];
  @ApiProperty({ type: [AgencyOverdueDto], description: 'Agencies with overdue steps, most first' })
  overdueStepsByAgency!: AgencyOverdueDto[];
  @ApiProperty({ type: [StageDurationDto], description: 'Stages some review has left' })
  medianDaysPerStage!: StageDurationDto[];
}
