import type { DataSource } from 'typeorm';
import type { ReviewState } from '../../libs/domain/src/review/review.types';

/** Events a review emits at most once, whatever was retried or replayed. */
const ONCE = ['review_submitted', 'workstreams_started', 'determination_issued', 'review_closed'];

/**
 * Where the read model (reviews and its normalized tables, the timeline, the audit log) disagrees with the
 * review's live state from its workflow, or holds something twice. Empty when they agree.
 */
export async function readModelDifferences(db: DataSource, state: ReviewState): Promise<string[]> {
  const id = state.reviewId;
  const diffs: string[] = [];
  const differ = (what: string, rows: unknown, workflow: unknown) => {
    if (JSON.stringify(rows) !== JSON.stringify(workflow))
      diffs.push(
        `${id} ${what}: read model ${JSON.stringify(rows)} != workflow ${JSON.stringify(workflow)}`,
      );
  };

  const reviews = await db.query(
    `SELECT status, stage, closure_reason, determination, last_seq, state FROM reviews WHERE id = $1`,
    [id],
  );
  differ('review rows', reviews.length, 1);
  if (reviews.length === 1) {
    const r = reviews[0];
    differ('status', r.status, state.status);
    differ('stage', r.stage, state.stage);
    differ('closure', r.closure_reason, state.closure?.reason ?? null);
    differ('determination', r.determination, state.determination?.determination ?? null);
    differ('last_seq', Number(r.last_seq), state.seq);
    // jsonb reorders keys: compare as canonical JSON.
    differ('state', canonical(r.state), canonical(JSON.parse(JSON.stringify(state))));
  }

  const steps = await db.query(
    `SELECT agency, step_id, status, risk_level FROM review_steps WHERE review_id = $1
     ORDER BY agency, step_id`,
    [id],
  );
  const expectedSteps = state.workstreams
    .flatMap((w) =>
      w.steps.map((s) => ({
        agency: w.agency,
        step_id: s.stepId,
        status: s.status,
        risk_level: s.finding?.riskLevel ?? null,
      })),
    )
    .sort((a, b) => `${a.agency}/${a.step_id}`.localeCompare(`${b.agency}/${b.step_id}`));
  differ('steps', steps, expectedSteps);

  // The normalized tables: one row per workstream, deadline and escalation, in the state's order.
  const rowsOf = async (sql: string) => db.query(sql, [id]);
  differ(
    'workstreams',
    await rowsOf(
      `SELECT agency, status FROM review_workstreams WHERE review_id = $1 ORDER BY position`,
    ),
    state.workstreams.map((w) => ({ agency: w.agency, status: w.status })),
  );
  differ(
    'deadlines',
    await rowsOf(
      `SELECT deadline_id AS id, status FROM review_deadlines WHERE review_id = $1 ORDER BY position`,
    ),
    state.deadlines.map((d) => ({ id: d.id, status: d.status })),
  );
  differ(
    'escalations',
    await rowsOf(
      `SELECT escalation_id AS id, trigger, level, status FROM review_escalations
       WHERE review_id = $1 ORDER BY position`,
    ),
    state.escalations.map((e) => ({
      id: e.id,
      trigger: e.trigger,
      level: e.level,
      status: e.status,
    })),
  );

  const seqs = Array.from({ length: state.seq }, (_, i) => i + 1);
  const events = await db.query(
    `SELECT seq, type FROM review_events WHERE review_id = $1 ORDER BY seq`,
    [id],
  );
  differ(
    'timeline seqs',
    events.map((e: { seq: number }) => Number(e.seq)),
    seqs,
  );
  const audit = await db.query(`SELECT seq FROM audit_log WHERE review_id = $1 ORDER BY seq`, [id]);
  differ(
    'audit seqs',
    audit.map((e: { seq: number }) => Number(e.seq)),
    seqs,
  );
  for (const type of ONCE) {
    const n = events.filter((e: { type: string }) => e.type === type).length;
    if (n > 1) diffs.push(`${id}: ${type} recorded ${n} times`);
  }
  return diffs;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
