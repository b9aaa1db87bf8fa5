import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { SCOPES } from './policy';
import { AGENCY_ROLES, ROLES, type Role } from './principal';
import type { ApiKeyRow } from './api-key.service';

export class CreateServiceAccountDto {
  @ApiProperty({ example: 'caisi-ci-uploader' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;

  @ApiPropertyOptional({ example: 'caisi', description: 'Required for agency roles' })
  @ValidateIf(
    (o: CreateServiceAccountDto) => AGENCY_ROLES.includes(o.role) || o.agency !== undefined,
  )
  @Matches(/^[a-z][a-z0-9-]{1,30}$/, { message: 'agency must be an agency code such as caisi' })
  agency?: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['findings:submit', 'reviews:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true, message: 'scopes: each must be a scope of the access policy' })
  scopes!: string[];
}

export class ServiceAccountDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the key, to recognise it' }) keyPrefix!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiPropertyOptional() agency?: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() revokedAt?: string;
  @ApiPropertyOptional() lastUsedAt?: string;
}

export class CreatedServiceAccountDto extends ServiceAccountDto {
  @ApiProperty({ description: 'The API key: shown once, stored only as a hash' }) key!: string;
}

export class PrincipalDto {
  @ApiProperty() sub!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiPropertyOptional() agency?: string;
  @ApiProperty({ enum: ['token', 'api-key'] }) via!: string;
  @ApiPropertyOptional({ type: [String] }) scopes?: string[];
}

export const toServiceAccount = (r: ApiKeyRow): ServiceAccountDto => ({
  id: r.id,
  name: r.name,
  keyPrefix: r.key_prefix,
  role: r.role,
  agency: r.agency ?? undefined,
  scopes: r.scopes,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at?.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString(),
});
