import { createHash } from 'node:crypto';

/** One audit entry as the application writes it. */
export interface AuditRecord {
  actor: string;
  /** The actor's role when it acted (`system` for the engine itself). */
  role: string | null;
  action: string;
  target: string;
  justification: string | null;
  reviewId?: string | null;
  seq?: number | null;
  requestId?: string | null;
  /** UTC instant (ISO 8601); now when absent. */
  at?: string | Date;
  details?: Record<string, unknown>;
}

/** Who acts, as the API knows it from the verified token, for the audit entries it writes. */
export interface AuditActor {
  id: string;
  role: string;
  requestId?: string;
}

/** Anything that runs SQL: a TypeORM EntityManager, QueryRunner or DataSource. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The hash the first chained entry points back to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Key of the transaction-scoped advisory lock that serialises chained appends (any bigint; this
 * one is "audit" in ASCII). Held from reading the head until the appending transaction commits.
 */
export const AUDIT_CHAIN_LOCK = 0x6175646974;

/** JSON with object keys sorted at every level: the same bytes however jsonb reordered them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value ?? null))));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The fields of an entry that its hash covers, normalised as they come back from PostgreSQL. */
export interface ChainedFields {
  position: number;
  prevHash: string;
  actor: string;
  role: string | null;
  action: string;
  target: string;
  justification: string | null;
  reviewId: string | null;
  seq: number | null;
  requestId: string | null;
  at: string;
  details: Record<string, unknown>;
}

/** sha256 over the entry's position, the previous hash and every recorded field. */
export function entryHash(f: ChainedFields): string {
  return createHash('sha256')
    .update(
      canonicalJson([
        f.position,
        f.prevHash,
        f.actor,
        f.role,
        f.action,
        f.target,
        f.justification,
        f.reviewId,
        f.seq,
        f.requestId,
        f.at,
        f.details,
      ]),
    )
    .update('\n')
    .digest('hex');
}

const COLUMNS =
  'actor, role, action, target, justification, review_id, seq, request_id, at, details, position, prev_hash, hash';
const PER_ROW = 13;

/**
 * Append entries to the audit log. With `chained`, each entry gets the next position and the
 * hash of its predecessor; appends are serialised by a transaction-scoped advisory lock, so call
 * this inside a transaction and as late in it as possible (the lock is held until commit).
 * Entries keyed by (reviewId, seq) that are already there are skipped, so retries are idempotent
 * and do not advance the chain. All entries go in one statement. Returns how many were written.
 */
export async function appendAudit(
  q: Queryable,
  records: AuditRecord[],
  opts: { chained: boolean },
): Promise<number> {
  if (records.length === 0) return 0;
  // A retried batch: leave out what is there (read under the lock, so a concurrent attempt's
  // committed entries are seen) before extending the chain.
  const keyed = records.filter((r) => r.reviewId && r.seq != null);
  const keys = [keyed.map((r) => r.reviewId), keyed.map((r) => r.seq)];
  const presentSql = `SELECT coalesce(json_agg(json_build_array(review_id, seq)), '[]'::json)
     FROM audit_log WHERE (review_id, seq) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))`;
  let head: { position: number; hash: string } | undefined;
  let present: [string, number][] = [];
  if (opts.chained) {
    // The lock first, in a statement of its own: a later statement's snapshot sees every entry
    // committed before the lock was granted.
    await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    // The head and what is there already, in one round trip.
    const [row] = (await q.query(
      `SELECT (SELECT json_build_array(position, hash) FROM audit_log
               WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1) AS head,
              (${presentSql}) AS present`,
      keys,
    )) as { head: [number, string] | null; present: [string, number][] }[];
    head = row.head
      ? { position: Number(row.head[0]), hash: row.head[1] }
      : { position: 0, hash: GENESIS_HASH };
    present = row.present;
  } else if (keyed.length) {
    const [row] = (await q.query(`SELECT (${presentSql}) AS present`, keys)) as {
      present: [string, number][];
    }[];
    present = row.present;
  }
  const there = new Set(present.map(([reviewId, seq]) => `${reviewId}:${seq}`));
  const values: unknown[] = [];
  for (const r of records) {
    if (r.reviewId && r.seq != null && there.has(`${r.reviewId}:${r.seq}`)) continue;
    const fields: ChainedFields = {
      position: head ? head.position + 1 : 0,
      prevHash: head?.hash ?? '',
      actor: r.actor,
      role: r.role ?? null,
      action: r.action,
      target: r.target,
      justification: r.justification ?? null,
      reviewId: r.reviewId ?? null,
      seq: r.seq ?? null,
      requestId: r.requestId ?? null,
      at: new Date(r.at ?? Date.now()).toISOString(),
      details: JSON.parse(JSON.stringify(r.details ?? {})) as Record<string, unknown>,
    };
    const hash = head ? entryHash(fields) : null;
    values.push(
      fields.actor,
      fields.role,
      fields.action,
      fields.target,
      fields.justification,
      fields.reviewId,
      fields.seq,
      fields.requestId,
      fields.at,
      JSON.stringify(fields.details),
      head ? fields.position : null,
      head ? fields.prevHash : null,
      hash,
    );
    if (head && hash) head = { position: fields.position, hash };
  }
  const rows = values.length / PER_ROW;
  if (rows === 0) return 0;
  const placeholders = Array.from(
    { length: rows },
    (_, i) => `(${Array.from({ length: PER_ROW }, (_, j) => `$${i * PER_ROW + j + 1}`).join(',')})`,
  ).join(',');
  const inserted = (await q.query(
    `INSERT INTO audit_log (${COLUMNS}) VALUES ${placeholders}
     ON CONFLICT (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL DO NOTHING
     RETURNING id`,
    values,
  )) as unknown[];
  // A chained entry skipped here would leave the next one pointing at a hash that is not there:
  // fail the transaction instead (the caller retries and sees the entry then).
  if (opts.chained && inserted.length !== rows)
    throw new Error(`audit: ${rows - inserted.length} entries were written concurrently; retry`);
  return inserted.length;
}
