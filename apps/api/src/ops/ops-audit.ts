import type { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import { appendAudit } from '@engine/persistence';

/** One audited operator action: who, what, on which target, why, and what it changed. */
export interface OpsAuditRecord {
  actor: string;
  /** The actor's role when it acted (`operator` for repairs). */
  role?: string;
  action: string;
  /** `review:<id>`, `ops-request:<id>`… */
  target: string;
  justification?: string | null;
  reviewId?: string | null;
  /** The HTTP request that caused it. */
  requestId?: string;
  /** For repairs: `before` and `after` of what the action changed, plus its parameters. */
  details?: Record<string, unknown>;
}

/**
 * Appends one operator action to the (hash-chained) audit log, in its own transaction: the
 * chain's lock is held only for the append. Every ops audit entry goes through here.
 */
export async function auditOps(db: DataSource, entry: OpsAuditRecord): Promise<void> {
  await db.transaction((tx) =>
    appendAudit(
      tx,
      [
        {
          actor: entry.actor,
          role: entry.role ?? 'operator',
          action: entry.action,
          target: entry.target,
          justification: entry.justification ?? null,
          reviewId: entry.reviewId ?? null,
          requestId: entry.requestId ?? null,
          details: entry.details,
        },
      ],
      { chained: environment().AUDIT_HASH_CHAIN },
    ),
  );
}
