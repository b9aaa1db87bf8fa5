import type { Escalation, ReviewState, StepState } from '@engine/domain/review/review.types';
import { readModelReasons } from './stuck-rules';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const HOUR = 3_600_000;
const row = { id: 'r-1', updatedAt: new Date(NOW - HOUR) };

const step = (over: Partial<StepState>): StepState => ({
  agency: 'caisi',
  stepId: 'ctf',
  title: 'CTF suite',
  kind: 'automated',
  domain: 'offensive-cyber',
  dependsOn: [],
  status: 'running',
  ...over,
});

const escalation = (over: Partial<Escalation>): Escalation => ({
  id: 'esc-1',
  trigger: 'missed_deadline',
  subject: 'caisi: CTF suite missed',
  level: 0,
  levelName: 'Staff leads',
  raisedAtMs: NOW - HOUR,
  dueMs: NOW + HOUR,
  status: 'open',
  history: [{ level: 0, atMs: NOW - HOUR, by: 'system' }],
  ...over,
});

const stateWith = (steps: StepState[], escalations: Escalation[] = []): ReviewState =>
  ({
    reviewId: row.id,
    workstreams: [
      {
        agency: 'caisi',
        role: 'lead',
        workflowId: 'review-r-1-ws-caisi',
        status: 'running',
        steps,
      },
    ],
    escalations,
  }) as unknown as ReviewState;

const kinds = (state: ReviewState, noProgressMs = 24 * HOUR, graceMs = 24 * HOUR) =>
  readModelReasons(row, state, NOW, noProgressMs, graceMs).map((r) => r.kind);

describe('stuck rules from the read model', () => {
  it('reports nothing for a review moving along', () => {
    expect(kinds(stateWith([step({})]))).toEqual([]);
  });

  it('reports a failed step with a retry suggestion, and a stalled one with a reassignment', () => {
    const [failed] = readModelReasons(
      row,
      stateWith([step({ status: 'failed', failure: 'harness crashed' })]),
      NOW,
      24 * HOUR,
      24 * HOUR,
    );
    expect(failed).toMatchObject({
      kind: 'step_failed',
      agency: 'caisi',
      stepId: 'ctf',
      lastFailure: 'harness crashed',
      suggested: {
        action: 'retry',
        command: 'reviewctl retry r-1 --agency caisi --step ctf --reason "…"',
      },
    });
    expect(kinds(stateWith([step({ stalled: true })]))).toEqual(['no_poller']);
  });

  it('calls an escalation ignored once it climbed, ran out, or outlived the grace period', () => {
    const climbed = escalation({
      level: 1,
      history: [
        { level: 0, atMs: NOW - HOUR, by: 'system' },
        { level: 1, atMs: NOW - HOUR / 2, by: 'system' },
      ],
    });
    expect(kinds(stateWith([], [escalation({})]))).toEqual([]);
    expect(kinds(stateWith([], [climbed]))).toEqual(['escalation_ignored']);
    expect(kinds(stateWith([], [escalation({ status: 'exhausted' })]))).toEqual([
      'escalation_ignored',
    ]);
    expect(kinds(stateWith([], [escalation({})]), 24 * HOUR, HOUR / 2)).toEqual([
      'escalation_ignored',
    ]);
    expect(
      kinds(stateWith([], [escalation({ status: 'acknowledged', history: climbed.history })])),
    ).toEqual([]);
  });

  it('no longer calls it ignored once an operator escalated after its last move', () => {
    const climbed = escalation({
      history: [
        { level: 0, atMs: NOW - HOUR, by: 'system' },
        { level: 1, atMs: NOW - HOUR / 2, by: 'system' },
      ],
    });
    const forcedBefore = escalation({ id: 'esc-2', trigger: 'manual', raisedAtMs: NOW - HOUR });
    const forcedAfter = escalation({ id: 'esc-2', trigger: 'manual', raisedAtMs: NOW - HOUR / 4 });
    expect(kinds(stateWith([], [climbed, forcedBefore]))).toEqual(['escalation_ignored']);
    expect(kinds(stateWith([], [climbed, forcedAfter]))).toEqual([]);
  });

  it('reports no progress after the configured time', () => {
    expect(kinds(stateWith([step({})]), HOUR / 2)).toEqual(['no_progress']);
    expect(kinds(stateWith([step({})]), 2 * HOUR)).toEqual([]);
  });
});
