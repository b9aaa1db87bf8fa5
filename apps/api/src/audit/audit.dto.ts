import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { AuditEntryEntity } from '@engine/persistence';

export class AuditQueryDto {
  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Entries with a smaller id than this (paging back)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'beforeId must be an entry id' })
  beforeId?: string;

  @ApiPropertyOptional({ example: 'authorization_denied' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'review:0b6c...' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  target?: string;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiPropertyOptional() position?: string;
  @ApiProperty() actor!: string;
  @ApiPropertyOptional() role?: string;
  @ApiProperty() action!: string;
  @ApiProperty() target!: string;
  @ApiPropertyOptional() justification?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiProperty({ description: 'UTC' }) at!: string;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
  @ApiPropertyOptional() prevHash?: string;
  @ApiPropertyOptional() hash?: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiPropertyOptional() nextBeforeId?: string;
}

export class AuditProblemDto {
  @ApiProperty() position!: number;
  @ApiPropertyOptional() entryId?: string;
  @ApiProperty({
    enum: ['tampered', 'broken_link', 'missing', 'checkpoint_mismatch', 'checkpoint_signature'],
  })
  kind!: string;
  @ApiProperty() message!: string;
}

export class AuditVerificationDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'Chained entries walked' }) entries!: number;
  @ApiProperty({ description: 'Entries outside the chain (chain off, or older)' })
  unchained!: number;
  @ApiPropertyOptional({ type: Object }) head?: { position: number; hash: string };
  @ApiProperty() checkpoints!: number;
  @ApiProperty() signaturesVerified!: boolean;
  @ApiPropertyOptional({ type: AuditProblemDto }) firstProblem?: AuditProblemDto;
}

export class AuditCheckpointDto {
  @ApiProperty() id!: string;
  @ApiProperty() position!: number;
  @ApiProperty() hash!: string;
  @ApiProperty() at!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'Ed25519 signature, base64' }) signature!: string;
}

export class AuditCheckpointResultDto {
  @ApiProperty({ description: 'false when the head was already checkpointed or no key is set' })
  created!: boolean;
  @ApiPropertyOptional({ type: AuditCheckpointDto }) checkpoint?: AuditCheckpointDto;
}

export const toAuditEntry = (e: AuditEntryEntity): AuditEntryDto => ({
  id: String(e.id),
  position: e.position ?? undefined,
  actor: e.actor,
  role: e.role ?? undefined,
  action: e.action,
  target: e.target,
  justification: e.justification ?? undefined,
  requestId: e.requestId ?? undefined,
  at: e.at.toISOString(),
  details: e.details,
  prevHash: e.prevHash ?? undefined,
  hash: e.hash ?? undefined,
});
