import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { RISK_LEVELS, type RiskLevel } from '@engine/domain/protocol/protocol.types';

export class SubmitFindingDto {
  @ApiPropertyOptional({
    example: 'cisa',
    description: "The caller's own agency (from the token) when absent; any other is refused (403)",
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,30}$/, { message: 'agency must be an agency code such as cisa' })
  agency?: string;

  @ApiProperty({ example: 'critical-infrastructure-impact' })
  @Matches(/^[a-z][a-z0-9-]{0,60}$/, {
    message: 'stepId must be a step id such as critical-infrastructure-impact',
  })
  stepId!: string;

  @ApiProperty({ enum: RISK_LEVELS })
  @IsIn(RISK_LEVELS)
  riskLevel!: RiskLevel;

  @ApiProperty({ example: 'No uplift observed on ICS scenarios' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  summary!: string;

  @ApiPropertyOptional({ description: 'Required for high and critical findings' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  rationale?: string;

  @ApiPropertyOptional({
    description: 'Classified findings: a reference to where the content is held',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reference?: string;
}
