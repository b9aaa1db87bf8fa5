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

const INSERT = `INSERT INTO audit_log
  (actor, role, action, target, justification, review_id, seq, request_id, at, details, position, prev_hash, hash)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
  ON CONFLICT (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL DO NOTHING
  RETURNING id`;

/**
 * Append entries to the audit log. With `chained`, each entry gets the next position and the
 * hash of its predecessor; appends are serialised by a transaction-scoped advisory lock, so call
 * this inside a transaction and as late in it as possible (the lock is held until commit).
 * Entries keyed by (reviewId, seq) that are already there are skipped, so retries are idempotent
 * and do not advance the chain. Returns how many entries were written.
 */
export async function appendAudit(
  q: Queryable,
  records: AuditRecord[],
  opts: { chained: boolean },
): Promise<number> {
  if (records.length === 0) return 0;
  let head: { position: number; hash: string } | undefined;
  if (opts.chained) {
    await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const rows = (await q.query(
      `SELECT position, hash FROM audit_log WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1`,
    )) as { position: string; hash: string }[];
    head = rows[0]
      ? { position: Number(rows[0].position), hash: rows[0].hash }
      : { position: 0, hash: GENESIS_HASH };
  }
  let written = 0;
  for (const r of records) {
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
    const inserted = (await q.query(INSERT, [
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
    ])) as unknown[];
    if (inserted.length === 0) continue; // (review, seq) already audited
    written++;
    if (head && hash) head = { position: fields.position, hash };
  }
  return written;
}
