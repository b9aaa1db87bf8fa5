import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** gRPC's DEADLINE_EXCEEDED: the wait ended with nothing new. */
const DEADLINE_EXCEEDED = 4;
/**
 * The server answers a long poll (empty) about this long before the call's deadline, and at once
 * when less is left (measured on the dev server: a 1.5 s deadline answered after 0.5 s, a 1 s one
 * at once). The call's deadline is set this much later, so that a wait lasts until it should.
 */
const LONG_POLL_MARGIN_MS = 1_000;

/**
 * A running workflow's history, read as it grows: the first read returns what is there, each
 * later one waits on the server (a long poll) until new events are appended. Only committed
 * events are ever in it, so it says which workflow tasks completed without asking the worker.
 */
export class HistoryTail {
  /** Every event read so far, in order. */
  readonly events: HistoryEvent[] = [];
  private token?: Uint8Array;
  /** The workflow closed: no event comes after these. */
  closed = false;

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private readonly execution: { workflowId: string; runId: string },
  ) {}

  /**
   * The events appended since the last read, waiting for some until `untilMs` (then none).
   * Aborted with `signal` (the activity cancelled).
   */
  async next(untilMs: number, signal: AbortSignal): Promise<HistoryEvent[]> {
    if (this.closed) return [];
    let response: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
    try {
      response = await this.client.withAbortSignal(signal, () =>
        this.client.withDeadline(untilMs + LONG_POLL_MARGIN_MS, () =>
          this.client.workflowService.getWorkflowExecutionHistory({
            namespace: this.namespace,
            execution: this.execution,
            nextPageToken: this.token,
            waitNewEvent: true,
            skipArchival: true,
          }),
        ),
      );
    } catch (err) {
      if ((err as { code?: number }).code === DEADLINE_EXCEEDED) return [];
      throw err;
    }
    const fresh = response.history?.events ?? [];
    this.events.push(...fresh);
    if (response.nextPageToken?.length) this.token = response.nextPageToken;
    else this.closed = true;
    return fresh;
  }
}
