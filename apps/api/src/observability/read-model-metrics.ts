import type { DataSource } from 'typeorm';
import { Gauge, type Registry } from 'prom-client';
import type { CoordinatorSummaryService } from '../coordinator/coordinator-summary.service';

/**
 * Gauges computed from the read model at each scrape (every API replica reports the same
 * numbers: aggregate them with max(), not sum()).
 */
export function registerReadModelMetrics(
  registry: Registry,
  summary: CoordinatorSummaryService,
  db: DataSource,
): void {
  // One summary query set per scrape, shared by the gauges that read it.
  let pending: ReturnType<CoordinatorSummaryService['summary']> | undefined;
  const current = () => {
    pending ??= summary.summary({}).finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };

  type Summary = Awaited<ReturnType<CoordinatorSummaryService['summary']>>;
  const summaryGauge = (
    name: string,
    help: string,
    label: string,
    points: (summary: Summary) => [string, number][],
  ) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const values = points(await current());
        this.reset();
        for (const [key, value] of values) this.set({ [label]: key }, value);
      },
    });
  summaryGauge('review_engine_open_reviews', 'Open reviews by stage', 'stage', (s) =>
    s.openByStage.map((r) => [r.stage, r.count]),
  );
  summaryGauge(
    'review_engine_overdue_steps',
    'Open or running steps of open reviews past their due date, by agency',
    'agency',
    (s) => s.overdueStepsByAgency.map((r) => [r.agency, r.overdueSteps]),
  );
  summaryGauge(
    'review_engine_stage_duration_median_days',
    'Median calendar days from entering a stage to leaving it (finished passes only)',
    'stage',
    (s) => s.medianDaysPerStage.map((r) => [r.stage, r.medianDays]),
  );
  summaryGauge(
    'review_engine_stage_passes',
    'Finished passes through a stage (the samples behind the median)',
    'stage',
    (s) => s.medianDaysPerStage.map((r) => [r.stage, r.samples]),
  );
  new Gauge({
    name: 'review_engine_open_escalations',
    help: 'Open escalations of open reviews by ladder level',
    labelNames: ['level', 'level_name'],
    registers: [registry],
    async collect() {
      const rows: { level: number; level_name: string | null; count: number }[] = await db.query(
        `SELECT e.level, e.level_name, count(*)::int AS count
           FROM review_escalations e JOIN reviews r ON r.id = e.review_id
          WHERE e.status = 'open' AND r.status = 'open'
          GROUP BY e.level, e.level_name`,
      );
      this.reset();
      for (const row of rows) {
        this.set({ level: String(row.level), level_name: row.level_name ?? '' }, row.count);
      }
    },
  });
}
