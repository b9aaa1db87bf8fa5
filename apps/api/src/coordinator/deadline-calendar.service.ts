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
  due_at: Date;
  clock_stopped: boolean;
  pending_extensions: number;
}

/** Open deadlines of open reviews in a range of UTC days, from the review_deadlines table. */
@Injectable()
export class DeadlineCalendarService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async calendar(query: DeadlineCalendarQueryDto): Promise<DeadlineCalendarDto> {
    const fromMs = Date.parse(`${query.from}T00:00:00.000Z`);
    const toMs = endOfDay(query.to);
    // A deadline with no due date yet (its clock has not started) has a NULL due_at: not listed.
    // clock_stopped is a scalar probe, not EXISTS, which PostgreSQL would plan as a hash over
    // every clock stop.
    const rows: CalendarRow[] = await this.db.query(
      `SELECT r.id AS review_id, r.developer_org, r.model_name, r.stage,
              d.deadline_id, d.label, d.kind, d.agency, d.step_id, d.due_at,
              coalesce((SELECT true FROM review_clock_stops c
                         WHERE c.review_id = d.review_id AND c.deadline_id = d.deadline_id
                           AND c.to_at IS NULL LIMIT 1), false) AS clock_stopped,
              (SELECT count(*)::int FROM review_extensions x
                WHERE x.review_id = d.review_id AND x.deadline_id = d.deadline_id
                  AND x.status = 'pending') AS pending_extensions
         FROM review_deadlines d JOIN reviews r ON r.id = d.review_id
        WHERE d.status = 'open' AND r.status = 'open'
          AND d.due_at BETWEEN $1 AND $2
        ORDER BY d.due_at ASC, d.review_id, d.deadline_id
        LIMIT $3`,
      [new Date(fromMs), new Date(toMs), query.limit ?? 500],
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
        dueAt: row.due_at.toISOString(),
        clockStopped: row.clock_stopped,
        pendingExtensions: row.pending_extensions,
      })),
    };
  }
}
