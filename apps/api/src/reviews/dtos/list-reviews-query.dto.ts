import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { STAGES, type Stage } from '@engine/domain/protocol/protocol.types';

/** Orders the review list supports; `-` means newest first. Ties are broken by id. */
export const REVIEW_SORTS = [
  '-createdAt',
  'createdAt',
  'nextDeadline',
  'plannedReleaseDate',
] as const;
export type ReviewSort = (typeof REVIEW_SORTS)[number];

export class ListReviewsQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';

  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @ApiPropertyOptional({ description: 'Reviews in which this agency has a workstream' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,30}$/, { message: 'agency must be an agency code such as caisi' })
  agency?: string;

  @ApiPropertyOptional({
    description:
      'true: only open reviews with a passed deadline whose work is not done (an open deadline ' +
      'with a running clock, a missed step deadline whose step is still open, or an open ' +
      'escalation past due); false: every other review',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ description: 'Minimum open escalation level' })
  @IsOptional()
  @Transform(({ value }) => (/^\d+$/.test(String(value)) ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(10)
  escalationLevel?: number;

  @ApiPropertyOptional({ example: '2027-01-01' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'releaseFrom must be a date YYYY-MM-DD' })
  releaseFrom?: string;

  @ApiPropertyOptional({ example: '2027-12-31' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'releaseTo must be a date YYYY-MM-DD' })
  releaseTo?: string;

  @ApiPropertyOptional({ description: 'Text search on model name and developer' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({
    enum: REVIEW_SORTS,
    default: '-createdAt',
    description: 'nextDeadline lists reviews without a deadline last',
  })
  @IsOptional()
  @IsIn(REVIEW_SORTS)
  sort?: ReviewSort;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Transform(({ value }) => (/^\d+$/.test(String(value)) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({
    description: 'Opaque cursor from the previous page (valid only with the same sort)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
