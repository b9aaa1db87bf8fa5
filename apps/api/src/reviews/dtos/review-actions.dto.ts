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
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CLOCK_UNITS,
  DESIGNATIONS,
  DETERMINATIONS,
  RISK_LEVELS,
  type ClockUnit,
  type Designation,
  type Determination,
  type RiskLevel,
} from '@engine/domain/protocol/protocol.types';

/** Base of every action: optionally, why. Who acts comes from the bearer token, never the body. */
export class ActionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  reason?: string;
}

export class ReasonedActionDto extends ActionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  declare reason: string;
}

export class InformationRequestDto extends ActionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  question!: string;
}

export class InformationAnswerDto extends ActionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  answer!: string;
}

export class DesignationDto extends ActionDto {
  @ApiProperty({ enum: DESIGNATIONS })
  @IsIn(DESIGNATIONS)
  designation!: Designation;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  rationale?: string;
}

export class ClockDto {
  @ApiProperty({ enum: CLOCK_UNITS })
  @IsIn(CLOCK_UNITS)
  unit!: ClockUnit;

  @ApiPropertyOptional({ example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  amount?: number;

  @ApiPropertyOptional({ example: 'PT30S' })
  @IsOptional()
  @Matches(/^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, {
    message: 'iso must be an ISO 8601 duration such as PT30S',
  })
  iso?: string;
}

export class ExtensionRequestDto extends ActionDto {
  @ApiProperty({ example: 'step:cisa:critical-infrastructure-impact' })
  @IsString()
  @IsNotEmpty()
  deadlineId!: string;

  @ApiProperty({ type: ClockDto })
  @ValidateNested()
  @Type(() => ClockDto)
  clock!: ClockDto;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  justification!: string;
}

export class ExtensionDecisionDto extends ReasonedActionDto {
  @ApiProperty()
  @IsBoolean()
  grant!: boolean;
}

export class ClockStopDto extends ActionDto {
  @ApiProperty({ example: 'intake' })
  @IsString()
  @IsNotEmpty()
  deadlineId!: string;

  @ApiProperty({ example: 'developer-unavailable' })
  @Matches(/^[a-z][a-z0-9_-]{1,60}$/, {
    message: 'reasonCode must be a code such as developer-unavailable',
  })
  reasonCode!: string;
}

export class ClockResumeDto extends ActionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  deadlineId!: string;
}

export class RaiseEscalationDto extends ReasonedActionDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  subject!: string;

  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  level?: number;
}

export class ConsolidationDecisionDto extends ActionDto {
  @ApiProperty({ example: 'offensive-cyber' })
  @IsString()
  @IsNotEmpty()
  domain!: string;

  @ApiProperty({ enum: RISK_LEVELS })
  @IsIn(RISK_LEVELS)
  riskLevel!: RiskLevel;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  rationale!: string;
}

export class DeterminationDto extends ActionDto {
  @ApiProperty({ enum: DETERMINATIONS })
  @IsIn(DETERMINATIONS)
  determination!: Determination;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  rationale!: string;

  @ApiPropertyOptional({
    description: 'Required with significant_concerns: trusted-partner scope or timing',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  recommendation?: string;
}

export class ReleaseDateDto extends ActionDto {
  @ApiProperty({ example: '2027-04-01' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'plannedReleaseDate must be a date YYYY-MM-DD' })
  plannedReleaseDate!: string;
}
