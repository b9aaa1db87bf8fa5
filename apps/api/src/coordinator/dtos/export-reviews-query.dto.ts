import { OmitType } from '@nestjs/swagger';
import { ListReviewsQueryDto } from '../../reviews/dtos/list-reviews-query.dto';

/** The review list's filters and sort; the export has no pages. */
export class ExportReviewsQueryDto extends OmitType(ListReviewsQueryDto, ['limit', 'cursor']) {}
