import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Who is acting. Until token authentication lands, callers name themselves here. */
export class ActorDto {
  @ApiProperty({ example: 'analyst@caisi.example.gov' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  id!: string;

  @ApiPropertyOptional({ example: 'caisi', description: 'Agency code the actor acts for' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,30}$/, { message: 'agency must be an agency code such as caisi' })
  agency?: string;
}
