import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject } from 'class-validator';
import type { ProtocolVersionEntity } from '@engine/persistence';

export class ProtocolDraftDto {
  @ApiProperty({ type: Object, description: 'The protocol definition (see docs/protocols.md)' })
  @IsObject()
  @IsNotEmpty()
  definition!: Record<string, unknown>;
}

export class ProtocolValidateDto {
  @ApiProperty({ type: Object })
  @IsObject()
  definition!: Record<string, unknown>;
}

export class ProtocolErrorDto {
  @ApiProperty({ example: 'workstreams.caisi.steps[2].dependsOn' }) path!: string;
  @ApiProperty({ example: 'unknown step "ctf"' }) message!: string;
}

export class ProtocolValidationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: [ProtocolErrorDto] }) errors!: ProtocolErrorDto[];
}

export class ProtocolVersionDto {
  @ApiProperty() key!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['draft', 'published'] }) status!: string;
  @ApiProperty() title!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() publishedAt?: string;
}

export class ProtocolVersionDetailDto extends ProtocolVersionDto {
  @ApiProperty({ type: Object }) definition!: Record<string, unknown>;
}

export function toProtocolVersion(row: ProtocolVersionEntity): ProtocolVersionDto {
  return {
    key: row.key,
    version: row.version,
    status: row.status,
    title: String(row.definition.title ?? row.key),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString(),
  };
}
