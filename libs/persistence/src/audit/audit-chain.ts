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

/** The statement that takes the audit chain's lock (held until the transaction ends). */
export const AUDIT_CHAIN_LOCK_SQL = `SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;

/** An entry's recorded fields as they are written, in `entryHash`'s order after the chain's two. */
function recordedFields(r: AuditRecord): Omit<ChainedFields, 'position' | 'prevHash'> {
  return {
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
}

/** The columns an entry is written with, in `recordedFields`' order, with their types. */
const RECORDED = [
  ['actor', 'text'],
  ['role', 'text'],
  ['action', 'text'],
  ['target', 'text'],
  ['justification', 'text'],
  ['review_id', 'uuid'],
  ['seq', 'int'],
  ['request_id', 'text'],
  ['at', 'timestamptz'],
  ['details', 'jsonb'],
] as const;
const RECORDED_COLUMNS = RECORDED.map(([c]) => c).join(', ');

/**
 * The one statement that appends `records` to the audit log, entries already there (keyed by
 * review and seq: a retried batch) left out. With `chained`, PostgreSQL numbers the new entries
 * after the chain's head and hashes each over its position, its predecessor's hash and its
 * fields, exactly as `entryHash` does: the application sends each entry's canonical JSON without
 * the chain's two leading members, and the statement puts them in front (a position's digits and
 * a hex hash need no escaping). Run it after `AUDIT_CHAIN_LOCK_SQL`, in a statement of its own,
 * so that its snapshot sees every entry committed before the lock was granted: the lock
 * serialises appends, and it is held only while PostgreSQL works, not across a round trip.
 * Returns the new entries' ids.
 */
export function auditAppendStatement(
  records: AuditRecord[],
  opts: { chained: boolean },
): { sql: string; params: unknown[] } | undefined {
  if (records.length === 0) return undefined;
  const params: unknown[] = [];
  const p = (v: unknown, type: string) => {
    params.push(v);
    return `$${params.length}::${type}`;
  };
  const rows = records.map((r, i) => {
    const fields = Object.values(recordedFields(r));
    const values = RECORDED.map(([, type], j) =>
      p(type === 'jsonb' ? JSON.stringify(fields[j]) : fields[j], type),
    );
    // `entryHash`'s canonical JSON from its third member on: "actor",…,{details}]
    const tail = canonicalJson(fields).slice(1);
    return `(${i}, ${values.join(', ')}${opts.chained ? `, ${p(tail, 'text')}` : ''})`;
  });
  const columns = `i, ${RECORDED_COLUMNS}${opts.chained ? ', tail' : ''}`;
  if (!opts.chained)
    return {
      sql: `INSERT INTO audit_log (${RECORDED_COLUMNS})
            SELECT ${RECORDED_COLUMNS} FROM (VALUES ${rows.join(', ')}) AS v(${columns}) ORDER BY i
            ON CONFLICT (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL DO NOTHING
            RETURNING id`,
      params,
    };
  return {
    sql: `WITH RECURSIVE
      fresh AS (
        SELECT row_number() OVER (ORDER BY v.i) AS n, v.* FROM (VALUES ${rows.join(', ')}) AS v(${columns})
        WHERE v.review_id IS NULL OR v.seq IS NULL OR NOT EXISTS (
          SELECT 1 FROM audit_log a WHERE a.review_id = v.review_id AND a.seq = v.seq)
      ),
      chain(n, position, hash) AS (
        SELECT 0::bigint, coalesce(head.position, 0)::bigint, coalesce(head.hash, '${GENESIS_HASH}')
          FROM (SELECT 1) AS one LEFT JOIN LATERAL (
            SELECT position, hash FROM audit_log
             WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1) AS head ON true
        UNION ALL
        SELECT c.n + 1, c.position + 1, encode(sha256(convert_to(
                 '[' || (c.position + 1) || ',"' || c.hash || '",' || f.tail || E'\\n', 'UTF8')), 'hex')
          FROM chain c JOIN fresh f ON f.n = c.n + 1
      )
      INSERT INTO audit_log (${RECORDED_COLUMNS}, position, prev_hash, hash)
      SELECT ${RECORDED.map(([c]) => `f.${c}`).join(', ')}, c.position, prev.hash, c.hash
        FROM fresh f JOIN chain c ON c.n = f.n JOIN chain prev ON prev.n = f.n - 1
       ORDER BY f.n
      RETURNING id`,
    params,
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
  const append = auditAppendStatement(records, opts);
  if (!append) return 0;
  // The lock first, in a statement of its own: the append's snapshot then sees every entry
  // committed before the lock was granted.
  if (opts.chained) await q.query(AUDIT_CHAIN_LOCK_SQL);
  const inserted = (await q.query(append.sql, append.params)) as unknown[];
  return inserted.length;
}
