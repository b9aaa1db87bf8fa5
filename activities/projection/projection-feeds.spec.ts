import type { ProjectionFeed } from '../../libs/domain/src/review/review.types';
import { ProjectionFeeds, projectionFeedSinks } from './projection-feeds';

const feed = (seq: number, done = false): ProjectionFeed => ({
  events: [
    { seq, type: 'stage_changed', actor: 'system', at: '2026-11-28T00:00:00Z', details: {} },
  ],
  done,
  task: { startedEventId: seq * 3, timeMs: seq },
});
const never = new AbortController().signal;

describe('ProjectionFeeds', () => {
  it('answers at once with a publication newer than the one the reader saw', async () => {
    const feeds = new ProjectionFeeds();
    feeds.publish('run-1', feed(1));
    const first = await feeds.next('run-1', 0, Date.now() + 60_000, never);
    expect(first?.feed.events[0].seq).toBe(1);
    feeds.publish('run-1', feed(2));
    const second = await feeds.next('run-1', first!.version, Date.now() + 60_000, never);
    expect(second?.feed.events[0].seq).toBe(2);
    expect(second!.version).toBeGreaterThan(first!.version);
  });

  it('wakes a waiting reader on the run’s next publication, not on another run’s', async () => {
    const feeds = new ProjectionFeeds();
    feeds.publish('run-1', feed(1));
    const seen = feeds.latest('run-1')!.version;
    const reading = feeds.next('run-1', seen, Date.now() + 60_000, never);
    feeds.publish('run-2', feed(7));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(feeds.size.waiting).toBe(1);
    feeds.publish('run-1', feed(3));
    expect((await reading)?.feed.events[0].seq).toBe(3);
    expect(feeds.size.waiting).toBe(0);
  });

  it('gives nothing when the wait ends or the activity is cancelled, and keeps no waiter', async () => {
    const feeds = new ProjectionFeeds();
    feeds.publish('run-1', feed(1));
    const seen = feeds.latest('run-1')!.version;
    expect(await feeds.next('run-1', seen, Date.now() + 30, never)).toBeUndefined();
    const cancel = new AbortController();
    const reading = feeds.next('run-1', seen, Date.now() + 60_000, cancel.signal);
    cancel.abort();
    expect(await reading).toBeUndefined();
    expect(await feeds.next('run-9', 0, Date.now() + 10, never)).toBeUndefined();
    expect(feeds.size.waiting).toBe(0);
  });

  it('keeps only each run’s latest publication, for at most `capacity` runs, oldest out first', () => {
    const feeds = new ProjectionFeeds(2);
    feeds.publish('run-1', feed(1));
    feeds.publish('run-2', feed(1));
    feeds.publish('run-1', feed(2)); // run-1 is now the newer of the two
    feeds.publish('run-3', feed(1));
    expect(feeds.latest('run-2')).toBeUndefined();
    expect(feeds.latest('run-1')?.feed.events[0].seq).toBe(2);
    expect(feeds.size.feeds).toBe(2);
    feeds.forget('run-1');
    expect(feeds.latest('run-1')).toBeUndefined();
  });

  it('lets publications nobody read go once they are older than `maxAgeMs`', async () => {
    const feeds = new ProjectionFeeds(100, 20);
    feeds.publish('run-1', feed(1));
    await new Promise((resolve) => setTimeout(resolve, 40));
    feeds.publish('run-2', feed(1));
    expect(feeds.latest('run-1')).toBeUndefined();
    expect(feeds.latest('run-2')).toBeDefined();
    expect(feeds.size.feeds).toBe(1);
  });

  it('is what the worker’s sink delivers to, by the workflow’s run id', () => {
    const feeds = new ProjectionFeeds();
    const sinks = projectionFeedSinks(feeds);
    expect(sinks.projectionFeed.publish.callDuringReplay).toBe(false);
    const info = { runId: 'run-5' } as Parameters<typeof sinks.projectionFeed.publish.fn>[0];
    void sinks.projectionFeed.publish.fn(info, feed(4, true));
    expect(feeds.latest('run-5')?.feed).toEqual(feed(4, true));
    expect(feeds.latest('run-5')?.at).toBeLessThanOrEqual(Date.now());
  });
});
