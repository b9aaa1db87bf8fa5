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

/** The statement that takes the audit chain's lock (held until the transaction ends). */
export const AUDIT_CHAIN_LOCK_SQL = `SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;

/** What an append reads before it writes: the chain's head (chained) and the entries there. */
export interface AuditAppendRead {
  head?: { position: number; hash: string };
  present: [string, number][];
}

/**
 * The query an append of `records` reads first, if any: with `chained`, the chain's head and the
 * entries already there (run it after `AUDIT_CHAIN_LOCK_SQL`, in a statement of its own, so its
 * snapshot sees every entry committed before the lock was granted); otherwise the entries already
 * there, if any record is keyed by (review, seq). Its one row goes to `auditAppendRead`.
 */
export function auditReadStatement(
  records: AuditRecord[],
  opts: { chained: boolean },
): { sql: string; params: unknown[] } | undefined {
  if (records.length === 0) return undefined;
  // A retried batch: leave out what is there (read under the lock, so a concurrent attempt's
  // committed entries are seen) before extending the chain.
  const keyed = records.filter((r) => r.reviewId && r.seq != null);
  const params = [keyed.map((r) => r.reviewId), keyed.map((r) => r.seq)];
  const presentSql = `SELECT coalesce(json_agg(json_build_array(review_id, seq)), '[]'::json)
     FROM audit_log WHERE (review_id, seq) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))`;
  if (opts.chained)
    return {
      sql: `SELECT (SELECT json_build_array(position, hash) FROM audit_log
                    WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1) AS head,
                   (${presentSql}) AS present`,
      params,
    };
  return keyed.length ? { sql: `SELECT (${presentSql}) AS present`, params } : undefined;
}

/** The row `auditReadStatement`'s query returns. */
export interface AuditReadRow {
  head?: [number, string] | null;
  present: [string, number][];
}

/** The read statement's row (none when there was no statement) as the insert needs it. */
export function auditAppendRead(
  row: AuditReadRow | undefined,
  opts: { chained: boolean },
): AuditAppendRead {
  const present = row?.present ?? [];
  if (!opts.chained) return { present };
  const head = row?.head
    ? { position: Number(row.head[0]), hash: row.head[1] }
    : { position: 0, hash: GENESIS_HASH };
  return { head, present };
}

/**
 * The insert of `records` after what the read found: each new entry chained to the one before
 * (with a head), those already there left out. Chained entries are inserted plainly: one that is
 * there after all fails the transaction (the caller retries) rather than leave the next entry
 * pointing at a hash that is not there. Undefined when nothing is left to write.
 */
export function auditInsertStatement(
  records: AuditRecord[],
  read: AuditAppendRead,
): { sql: string; params: unknown[] } | undefined {
  const there = new Set(read.present.map(([reviewId, seq]) => `${reviewId}:${seq}`));
  let head = read.head;
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
  if (rows === 0) return undefined;
  const placeholders = Array.from(
    { length: rows },
    (_, i) => `(${Array.from({ length: PER_ROW }, (_, j) => `$${i * PER_ROW + j + 1}`).join(',')})`,
  ).join(',');
  const onConflict = read.head
    ? ''
    : ` ON CONFLICT (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL DO NOTHING`;
  return {
    sql: `INSERT INTO audit_log (${COLUMNS}) VALUES ${placeholders}${onConflict} RETURNING id`,
    params: values,
  };
}

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
  // The lock first, in a statement of its own: a later statement's snapshot sees every entry
  // committed before the lock was granted.
  if (opts.chained) await q.query(AUDIT_CHAIN_LOCK_SQL);
  const readStatement = auditReadStatement(records, opts);
  const [row] = readStatement
    ? ((await q.query(readStatement.sql, readStatement.params)) as AuditReadRow[])
    : [];
  const insert = auditInsertStatement(records, auditAppendRead(row, opts));
  if (!insert) return 0;
  const inserted = (await q.query(insert.sql, insert.params)) as unknown[];
  return inserted.length;
}
