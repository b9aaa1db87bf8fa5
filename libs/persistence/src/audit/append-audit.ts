/** Anything that runs SQL: a DataSource, an EntityManager inside a transaction, a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** One audited action: who, what, on which target, why, and what it changed. */
export interface AuditRecord {
  actor: string;
  action: string;
  /** `review:<id>`, `ops-request:<id>`, `calendar:<date>`… */
  target: string;
  justification?: string | null;
  reviewId?: string | null;
  /** For repairs: `before` and `after` of what the action changed, plus its parameters. */
  details?: Record<string, unknown>;
}

/**
 * Appends one row to the audit log. Operator actions go through this single function so the
 * storage of the log (e.g. hash-chaining) can change in one place.
 */
export async function appendAudit(db: SqlRunner, entry: AuditRecord): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor, action, target, justification, review_id, at, details)
     VALUES ($1, $2, $3, $4, $5, now(), $6)`,
    [
      entry.actor,
      entry.action,
      entry.target,
      entry.justification ?? null,
      entry.reviewId ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}
