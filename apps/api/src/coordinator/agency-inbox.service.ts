import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { businessDaysBetween } from '@engine/domain/clock/business-calendar';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import type { AgencyListDto, InboxDto, InboxQueryDto } from './dtos/inbox.dto';

interface InboxRow {
  review_id: string;
  developer_org: string;
  model_name: string;
  model_version: string;
  stage: string;
  step_id: string;
  title: string;
  kind: string;
  domain: string;
  status: string;
  due_at: Date | null;
  non_business_dates: string[] | null;
}

/**
 * An agency's work queue, read from the projected steps (review_steps) of open reviews, in the
 * order of the partial index ix_review_steps_open_agency_due so a page stops early.
 */
@Injectable()
export class AgencyInboxService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Agencies that are seeded or named by any protocol version (tests publish their own). */
  async agencies(): Promise<AgencyListDto> {
    const rows: { code: string; name: string }[] = await this.db.query(
      `SELECT DISTINCT ON (code) code, name FROM (
         SELECT code, name, 0 AS pref FROM agencies
         UNION ALL
         SELECT a->>'code', a->>'name', 1 FROM protocol_versions p
           CROSS JOIN LATERAL jsonb_array_elements(p.definition->'agencies') a
       ) known
       WHERE code IS NOT NULL
       ORDER BY code, pref`,
    );
    return { items: rows.map((r) => ({ code: r.code, name: r.name ?? r.code })) };
  }

  async inbox(agency: string, query: InboxQueryDto, now = Date.now()): Promise<InboxDto> {
    await this.requireKnown(agency);
    const params: unknown[] = [agency, query.limit ?? 100];
    let kindFilter = '';
    if (query.kind) {
      params.push(query.kind);
      kindFilter = `AND s.kind = $${params.length}`;
    }
    const rows: InboxRow[] = await this.db.query(
      `SELECT s.review_id, r.developer_org, r.model_name, r.model_version, r.stage,
              s.step_id, s.title, s.kind, s.domain, s.status, s.due_at,
              r.state->'nonBusinessDates' AS non_business_dates
         FROM review_steps s JOIN reviews r ON r.id = s.review_id
        WHERE s.agency = $1 AND s.status IN ('open', 'running') AND r.status = 'open' ${kindFilter}
        ORDER BY s.due_at ASC NULLS LAST, s.review_id, s.step_id
        LIMIT $2`,
      params,
    );
    return {
      agency,
      items: rows.map((row) => {
        const dueMs = row.due_at ? row.due_at.getTime() : undefined;
        const overdue = dueMs !== undefined && dueMs < now;
        return {
          reviewId: row.review_id,
          developerOrg: row.developer_org,
          modelName: row.model_name,
          modelVersion: row.model_version,
          stage: row.stage,
          stepId: row.step_id,
          title: row.title,
          kind: row.kind,
          domain: row.domain,
          status: row.status,
          dueAt: row.due_at?.toISOString(),
          overdue,
          passedByBusinessDays: overdue
            ? businessDaysBetween(dueMs, now, { nonBusinessDates: row.non_business_dates ?? [] })
            : 0,
        };
      }),
    };
  }

  private async requireKnown(agency: string): Promise<void> {
    const [{ known }]: { known: boolean }[] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1)
           OR EXISTS (SELECT 1 FROM protocol_versions
                       WHERE definition->'agencies' @> jsonb_build_array(jsonb_build_object('code', $1::text)))
           AS known`,
      [agency],
    );
    if (!known) {
      throw new DomainException(
        DomainExceptionCode.AGENCY_NOT_FOUND,
        `agency ${agency} not found`,
        [{ field: 'agency', message: `no agency ${agency} in any protocol` }],
      );
    }
  }
}
