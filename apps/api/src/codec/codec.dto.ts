import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsObject,
  IsOptional,
  ValidateNested,
} from 'class-validator';

/** A Temporal payload in the JSON form of the remote codec protocol (bytes as base64). */
export class PayloadJsonDto {
  @ApiProperty({
    type: Object,
    description: 'Metadata: each value base64',
    example: { encoding: 'anNvbi9wbGFpbg==' },
  })
  @IsObject()
  metadata!: Record<string, string>;

  @ApiPropertyOptional({ description: 'base64' })
  @IsOptional()
  @IsBase64(undefined, { message: 'data must be base64' })
  data?: string;
}

export class PayloadsDto {
  @ApiProperty({ type: [PayloadJsonDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => PayloadJsonDto)
  payloads!: PayloadJsonDto[];
}
