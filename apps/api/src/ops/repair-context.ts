import type { DataSource } from 'typeorm';
import { ReviewEntity } from '@engine/persistence';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';

/** Parameters of any repair, as stored on a request row and passed by batches. */
export interface RepairParams {
  agency?: string;
  stepId?: string;
  activityId?: string;
  analyst?: string;
  toAgency?: string;
  subject?: string;
  level?: number;
  beforeEventId?: number;
  reapplySignals?: boolean;
  reapplyUpdates?: boolean;
}

/** Who runs a repair: the operator, and for two-person actions the request and its approver. */
export interface RepairContext {
  /** The operator (from the token), or the requester of an approved request. */
  by: string;
  role?: string;
  reason: string;
  /** The HTTP request that ran the repair (the audit entry's request id). */
  httpRequestId?: string;
  /** For two-person actions: the ops request and its approver. */
  requestId?: string;
  approvedBy?: string;
}

export interface Outcome {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export const fail = (field: string, message: string): never => {
  throw new DomainException(DomainExceptionCode.ACTION_REJECTED, `${field}: ${message}`, [
    { field, message },
  ]);
};

/** How long a repair waits for a workflow to take an update (a failing workflow never does). */
export const UPDATE_WAIT_MS = 15_000;

/** The promise, or a rejection once `ms` have passed (a late failure is then ignored). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the workflow within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // a late failure after the timeout is not unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The review's read-model row, or a 404. */
export async function findReview(db: DataSource, reviewId: string): Promise<ReviewEntity> {
  const row = await db.getRepository(ReviewEntity).findOne({ where: { id: reviewId } });
  if (!row)
    throw new DomainException(DomainExceptionCode.REVIEW_NOT_FOUND, `review ${reviewId} not found`);
  return row;
}
