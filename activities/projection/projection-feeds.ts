import type { InjectedSinks } from '@temporalio/worker';
import type { ProjectionFeed } from '../../libs/domain/src/review/review.types';
import type { ProjectionFeedSinks } from '../../workflows/definitions';

/** A review's feed as its worker last received it; `version` grows with every publication. */
export interface PublishedFeed {
  feed: ProjectionFeed;
  version: number;
  /** When the worker delivered it (this process's clock). */
  at: number;
}

/**
 * Engine v3: where a review's workflow hands its projection feed to the following projection in
 * the same process, instead of the projection asking for it with a query. While a following
 * projection is in flight, the review publishes its feed (through the `projectionFeed` sink) at
 * the end of every workflow activation that changed it; the worker delivers the publication to
 * this board before it reports the workflow task to the server. Only the latest publication of
 * each run is kept (it holds every event not yet projected), for at most `maxAgeMs` and at most
 * `capacity` runs: the follower forgets a run's when it stops. A review also publishes while its
 * projection runs elsewhere or does not follow (too many follow already); those go with age.
 *
 * A publication comes from a task the server may still throw away (it timed out, the worker died
 * before reporting it): the follower writes it only once the history shows that task completed.
 * A sink is never called when the worker replays a history, so a publication is always the state
 * of a review this worker holds.
 */
export class ProjectionFeeds {
  private readonly feeds = new Map<string, PublishedFeed>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private version = 0;

  constructor(
    private readonly capacity = 10_000,
    /** Longer than a following projection lasts (`FOLLOW.maxMs`). */
    private readonly maxAgeMs = 60_000,
  ) {}

  publish(runId: string, feed: ProjectionFeed): void {
    const now = Date.now();
    // Deleted first, so the map's order is the order of the runs' latest publications, oldest
    // first: what is too old or too many goes from the front.
    this.feeds.delete(runId);
    this.feeds.set(runId, { feed, version: ++this.version, at: now });
    for (const [oldest, { at }] of this.feeds) {
      if (this.feeds.size <= this.capacity && now - at <= this.maxAgeMs) break;
      this.feeds.delete(oldest);
    }
    const waiters = this.waiting.get(runId);
    this.waiting.delete(runId);
    for (const wake of waiters ?? []) wake();
  }

  /** The run's latest publication, if any is kept. */
  latest(runId: string): PublishedFeed | undefined {
    return this.feeds.get(runId);
  }

  /** Drop the run's publication (its follower stopped). */
  forget(runId: string): void {
    this.feeds.delete(runId);
  }

  /**
   * The run's latest publication once it is newer than `afterVersion`: at once if it is already,
   * otherwise when one is published, or nothing at `untilMs` or when `signal` aborts.
   */
  async next(
    runId: string,
    afterVersion: number,
    untilMs: number,
    signal: AbortSignal,
  ): Promise<PublishedFeed | undefined> {
    const newer = () => {
      const latest = this.feeds.get(runId);
      return latest && latest.version > afterVersion ? latest : undefined;
    };
    if (newer() || signal.aborted || Date.now() >= untilMs) return newer();
    await new Promise<void>((resolve) => {
      const waiters = this.waiting.get(runId) ?? new Set<() => void>();
      this.waiting.set(runId, waiters);
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        waiters.delete(wake);
        if (!waiters.size && this.waiting.get(runId) === waiters) this.waiting.delete(runId);
        resolve();
      };
      const timer = setTimeout(wake, untilMs - Date.now());
      signal.addEventListener('abort', wake);
      waiters.add(wake);
    });
    return newer();
  }

  /** Runs with a publication kept, and runs someone waits on (for tests and the log). */
  get size(): { feeds: number; waiting: number } {
    return { feeds: this.feeds.size, waiting: this.waiting.size };
  }
}

/** This process's board: the core worker delivers its reviews' publications here, and its projections read them here. */
export const processProjectionFeeds = new ProjectionFeeds();

/** The worker's side of the review's `projectionFeed` sink: publications go to `feeds`. */
export function projectionFeedSinks(
  feeds: ProjectionFeeds = processProjectionFeeds,
): InjectedSinks<ProjectionFeedSinks> {
  return {
    projectionFeed: {
      publish: { fn: (info, feed) => feeds.publish(info.runId, feed), callDuringReplay: false },
    },
  };
}
