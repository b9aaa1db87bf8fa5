import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';

/**
 * Turn what Temporal says about an update into a domain error. Update validators reject with
 * `field: message`, which becomes a 422 naming the field; an update to a workflow that has
 * finished becomes a 409.
 */
export function mapUpdateError(err: unknown, what: string): never {
  if (err instanceof WorkflowUpdateFailedError) {
    const message = err.cause?.message ?? err.message;
    const match = /^([A-Za-z][\w.[\]]*): (.*)$/s.exec(message);
    const field = match ? match[1] : 'request';
    const text = match ? match[2] : message;
    if (field === 'review' && /closed/.test(text)) {
      throw new DomainException(DomainExceptionCode.REVIEW_CLOSED, text);
    }
    throw new DomainException(
      DomainExceptionCode.ACTION_REJECTED,
      `${what} rejected: ${field}: ${text}`,
      [{ field, message: text }],
    );
  }
  if (isWorkflowGone(err)) {
    throw new DomainException(
      DomainExceptionCode.REVIEW_CLOSED,
      `${what} rejected: the review or workstream is no longer running`,
    );
  }
  throw err;
}

/** The update found no running workflow to take it: none with that id, or it has finished. */
export function isWorkflowGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || isCompletedError(err);
}

function isCompletedError(err: unknown): boolean {
  const text =
    err instanceof Error
      ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`
      : '';
  return /already completed|workflow execution already finished|not found/i.test(text);
}
