/** Anything that runs SQL: a DataSource, an EntityManager inside a transaction, a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** One audited action: who, what, on which target, why, and what it changed. */
export interface OpsAuditRecord {
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
 * Appends one operator action to the audit log. Every ops audit entry goes through this single
 * function, so how the log is stored (e.g. hash-chained) changes in one place.
 */
export async function auditOps(db: SqlRunner, entry: OpsAuditRecord): Promise<void> {
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
