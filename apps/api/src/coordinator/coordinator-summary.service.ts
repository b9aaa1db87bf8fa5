import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { STAGES } from '@engine/domain/protocol/protocol.types';
import type { SummaryDto, SummaryQueryDto } from './dtos/summary.dto';

/** Open stages in protocol order: what a review can be waiting in. */
const OPEN_STAGES = STAGES.filter((s) => s !== 'closed');

/** The coordinator's numbers: where open reviews are, who is late, how long stages take. */
@Injectable()
export class CoordinatorSummaryService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async summary(query: SummaryQueryDto): Promise<SummaryDto> {
    // $1 is the protocol key or NULL for every protocol.
    const protocol = [query.protocol ?? null];
    const [byStage, overdue, durations] = await Promise.all([
      this.db.query(
        `SELECT stage, count(*)::int AS count FROM reviews
          WHERE status = 'open' AND ($1::text IS NULL OR protocol_key = $1)
          GROUP BY stage`,
        protocol,
      ) as Promise<{ stage: string; count: number }[]>,
      this.db.query(
        `SELECT s.agency, count(*)::int AS overdue_steps
           FROM review_steps s JOIN reviews r ON r.id = s.review_id
          WHERE r.status = 'open' AND s.status IN ('open', 'running') AND s.due_at < now()
            AND ($1::text IS NULL OR r.protocol_key = $1)
          GROUP BY s.agency ORDER BY overdue_steps DESC, s.agency`,
        protocol,
      ) as Promise<{ agency: string; overdue_steps: number }[]>,
      // A review is in a stage from its stage_changed event until the next stage_changed or
      // its review_closed event; stages a review is still in are not counted.
      this.db.query(
        `WITH marks AS (
           SELECT e.review_id, e.seq, e.at,
                  CASE WHEN e.type = 'stage_changed' THEN e.details->>'stage' END AS stage
             FROM review_events e JOIN reviews r ON r.id = e.review_id
            WHERE e.type IN ('stage_changed', 'review_closed')
              AND ($1::text IS NULL OR r.protocol_key = $1)
         ), spans AS (
           SELECT stage, at, lead(at) OVER (PARTITION BY review_id ORDER BY seq) AS left_at FROM marks
         )
         SELECT stage,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - at)) / 86400
                  AS median_days,
                count(*)::int AS samples
           FROM spans WHERE stage IS NOT NULL AND left_at IS NOT NULL
          GROUP BY stage`,
        protocol,
      ) as Promise<{ stage: string; median_days: number; samples: number }[]>,
    ]);
    const count = new Map(byStage.map((r) => [r.stage, r.count]));
    const order = (stage: string) => STAGES.indexOf(stage as (typeof STAGES)[number]);
    return {
      openByStage: OPEN_STAGES.map((stage) => ({ stage, count: count.get(stage) ?? 0 })),
      overdueStepsByAgency: overdue.map((r) => ({
        agency: r.agency,
        overdueSteps: r.overdue_steps,
      })),
      medianDaysPerStage: durations
        .sort((a, b) => order(a.stage) - order(b.stage))
        .map((r) => ({ stage: r.stage, medianDays: Number(r.median_days), samples: r.samples })),
    };
  }
}
