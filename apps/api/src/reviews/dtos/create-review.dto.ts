import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ACCESS_TYPES, type AccessType } from '@engine/domain/review/review.types';

export class AccessArrangementDto {
  @ApiProperty({ enum: ACCESS_TYPES })
  @IsIn(ACCESS_TYPES)
  type!: AccessType;

  @ApiPropertyOptional({
    example: 'https://models.example.com/v1',
    description: 'OpenAI-compatible base URL (hosted endpoints)',
  })
  @ValidateIf(
    (o: AccessArrangementDto) => o.type === 'hosted_endpoint' || o.endpointUrl !== undefined,
  )
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  endpointUrl?: string;

  @ApiPropertyOptional({
    description: 'Credential for the endpoint; handed to agency workers only, never returned',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  apiKey?: string;
}

export class CreateReviewDto {
  @ApiProperty({ example: 'Example AI Lab' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  developerOrg!: string;

  @ApiProperty({ example: 'Dana Developer' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  contactName!: string;

  @ApiProperty({ example: 'dana@example.com' })
  @IsEmail()
  contactEmail!: string;

  @ApiProperty({ example: 'frontier-1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  modelName!: string;

  @ApiProperty({ example: '2026-11-ckpt-3' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  modelVersion!: string;

  @ApiPropertyOptional({ example: 'safeguards-on' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  safeguardsVariant?: string;

  @ApiProperty({ type: AccessArrangementDto })
  @ValidateNested()
  @Type(() => AccessArrangementDto)
  accessArrangement!: AccessArrangementDto;

  @ApiProperty({ example: '2027-03-01', description: 'Planned public release date (YYYY-MM-DD)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'plannedReleaseDate must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'plannedReleaseDate must be a valid calendar date' })
  plannedReleaseDate!: string;

  @ApiPropertyOptional({ example: '2027-02-01' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, {
    message: 'trustedPartnerReleaseDate must be a date YYYY-MM-DD',
  })
  @IsISO8601(
    { strict: true },
    { message: 'trustedPartnerReleaseDate must be a valid calendar date' },
  )
  trustedPartnerReleaseDate?: string;

  @ApiPropertyOptional({
    example: 'frontier-ai-cyber',
    description: 'Protocol key; defaults to frontier-ai-cyber',
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,60}$/, {
    message: 'protocolKey must be a protocol key such as frontier-ai-cyber',
  })
  protocolKey?: string;

  @ApiPropertyOptional({
    description: 'Client-supplied key: a second intake with the same key returns the same review',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{8,128}$/, {
    message: 'idempotencyKey must be 8-128 characters of A-Z a-z 0-9 . _ : -',
  })
  idempotencyKey?: string;

  @ApiPropertyOptional({ description: 'The withdrawn review this one refiles (gets fresh clocks)' })
  @IsOptional()
  @IsUUID()
  refiledFrom?: string;
}
