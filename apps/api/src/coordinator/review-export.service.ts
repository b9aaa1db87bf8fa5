import { Injectable } from '@nestjs/common';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import type { ReviewSummaryDto } from '../reviews/dtos/review-response.dto';
import { ReviewsService } from '../reviews/reviews.service';
import type { Principal } from '../auth/principal';
import { toCsv } from './csv';
import type { ExportReviewsQueryDto } from './dtos/export-reviews-query.dto';

/** More than this is a report, not an export: narrow the filters. */
export const EXPORT_MAX_ROWS = 10_000;
const PAGE = 200;

/**
 * Every row holds a developer's submission details (organisation, model, release plans), which
 * are proprietary: the export is marked as such, per row and in the `x-content-marking` header.
 */
export const EXPORT_MARKING = 'CUI//SP-PROPIN';

const COLUMNS: [string, (r: ReviewSummaryDto) => string | number | boolean | undefined][] = [
  ['marking', () => EXPORT_MARKING],
  ['id', (r) => r.id],
  ['status', (r) => r.status],
  ['stage', (r) => r.stage],
  ['protocol', (r) => r.protocol],
  ['developerOrg', (r) => r.developerOrg],
  ['modelName', (r) => r.modelName],
  ['modelVersion', (r) => r.modelVersion],
  ['plannedReleaseDate', (r) => r.plannedReleaseDate],
  ['leadAgency', (r) => r.leadAgency],
  ['nextDeadline', (r) => r.nextDeadline],
  ['overdue', (r) => r.overdue],
  ['escalationLevel', (r) => r.escalationLevel],
  ['closureReason', (r) => r.closureReason],
  ['determination', (r) => r.determination],
  // One cell: `agency=percent` pairs, so the column set does not depend on the protocol.
  [
    'progress',
    (r) =>
      Object.entries(r.progress)
        .map(([agency, p]) => `${agency}=${Math.round(p * 100)}%`)
        .join(' '),
  ],
  ['refiledFrom', (r) => r.refiledFrom],
  ['createdAt', (r) => r.createdAt],
  ['updatedAt', (r) => r.updatedAt],
];

/** The review list as CSV: the same filters and order as GET /reviews, every page. */
@Injectable()
export class ReviewExportService {
  constructor(private readonly reviews: ReviewsService) {}

  async csv(query: ExportReviewsQueryDto, principal: Principal): Promise<string> {
    const items: ReviewSummaryDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.reviews.list({ ...query, limit: PAGE, cursor }, principal);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (items.length > EXPORT_MAX_ROWS) {
        throw new DomainException(
          DomainExceptionCode.ACTION_REJECTED,
          `export: more than ${EXPORT_MAX_ROWS} reviews match; narrow the filters`,
          [{ field: 'query', message: `more than ${EXPORT_MAX_ROWS} reviews match` }],
        );
      }
    } while (cursor);
    return toCsv(
      COLUMNS.map(([name]) => name),
      items.map((r) => COLUMNS.map(([, value]) => value(r))),
    );
  }
}
