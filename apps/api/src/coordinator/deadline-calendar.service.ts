import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { endOfDay } from '@engine/domain/clock/business-calendar';
import type { DeadlineCalendarDto, DeadlineCalendarQueryDto } from './dtos/deadline-calendar.dto';

interface CalendarRow {
  review_id: string;
  developer_org: string;
  model_name: string;
  stage: string;
  deadline_id: string;
  label: string;
  kind: string;
  agency: string | null;
  step_id: string | null;
  due_ms: string;
  clock_stopped: boolean;
  pending_extensions: number;
}

/** Open deadlines of open reviews in a range of UTC days, from reviews.state->deadlines. */
@Injectable()
export class DeadlineCalendarService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async calendar(query: DeadlineCalendarQueryDto): Promise<DeadlineCalendarDto> {
    const fromMs = Date.parse(`${query.from}T00:00:00.000Z`);
    const toMs = endOfDay(query.to);
    // A deadline with no due date yet (dueMs Infinity) is projected as JSON null: not a number.
    const rows: CalendarRow[] = await this.db.query(
      `SELECT r.id AS review_id, r.developer_org, r.model_name, r.stage,
              d->>'id' AS deadline_id, d->>'label' AS label, d->>'kind' AS kind,
              d->>'agency' AS agency, d->>'stepId' AS step_id, d->>'dueMs' AS due_ms,
              EXISTS (SELECT 1 FROM jsonb_array_elements(d->'stops') s WHERE s->'toMs' IS NULL OR s->'toMs' = 'null'::jsonb)
                AS clock_stopped,
              (SELECT count(*)::int FROM jsonb_array_elements(d->'extensions') x WHERE x->>'status' = 'pending')
                AS pending_extensions
         FROM reviews r CROSS JOIN LATERAL jsonb_array_elements(r.state->'deadlines') d
        WHERE r.status = 'open' AND d->>'status' = 'open'
          AND jsonb_typeof(d->'dueMs') = 'number'
          AND (d->>'dueMs')::numeric BETWEEN $1 AND $2
        ORDER BY (d->>'dueMs')::numeric ASC, r.id, d->>'id'
        LIMIT $3`,
      [fromMs, toMs, query.limit ?? 500],
    );
    return {
      from: query.from,
      to: query.to,
      items: rows.map((row) => ({
        reviewId: row.review_id,
        developerOrg: row.developer_org,
        modelName: row.model_name,
        stage: row.stage,
        deadlineId: row.deadline_id,
        label: row.label,
        kind: row.kind,
        agency: row.agency ?? undefined,
        stepId: row.step_id ?? undefined,
        dueAt: new Date(Number(row.due_ms)).toISOString(),
        clockStopped: row.clock_stopped,
        pendingExtensions: row.pending_extensions,
      })),
    };
  }
}
