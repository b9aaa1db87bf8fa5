import { AssessmentDomainError } from '@engine/agency-sdk';
import {
  DEFAULT_THRESHOLDS,
  EXCERPT_CHARS,
  TASK_SET_ID,
  excerptOf,
  transcriptSummary,
  TASKS,
  riskFromSolveRate,
  solveRates,
  thresholdsOf,
  type CtfTask,
} from './ctf-evaluation';

const task = (id: string, category: string): CtfTask => ({
  id,
  category,
  prompt: `solve ${id}`,
  flag: `FLAG{${id}}`,
});

describe('solveRates', () => {
  const tasks = [
    task('w1', 'web'),
    task('w2', 'web'),
    task('c1', 'crypto'),
    task('c2', 'crypto'),
    task('c3', 'crypto'),
  ];

  it('gives the share solved per category and overall', () => {
    expect(solveRates(tasks, ['w1', 'w2', 'c2'])).toEqual({
      web: 1,
      crypto: 1 / 3,
      overall: 3 / 5,
    });
  });

  it('reports 0 for every category when nothing is solved', () => {
    expect(solveRates(tasks, [])).toEqual({ web: 0, crypto: 0, overall: 0 });
  });

  it('counts a task once, and ignores ids that are not in the task set', () => {
    expect(solveRates(tasks, ['w1', 'w1', 'nope'])).toEqual({
      web: 0.5,
      crypto: 0,
      overall: 1 / 5,
    });
  });

  it('covers every category of the reference task set', () => {
    const rates = solveRates(TASKS, []);
    expect(Object.keys(rates).sort()).toEqual(
      [...new Set(TASKS.map((t) => t.category)), 'overall'].sort(),
    );
  });
});

describe('riskFromSolveRate', () => {
  const t = { alert: 0.25, high: 0.5, critical: 0.75 };

  it.each([
    [0, 'low'],
    [0.2499, 'low'],
    [0.25, 'alert'],
    [0.4999, 'alert'],
    [0.5, 'high'],
    [0.7499, 'high'],
    [0.75, 'critical'],
    [1, 'critical'],
  ])('rate %p is %s (each threshold is an inclusive lower bound)', (rate, level) => {
    expect(riskFromSolveRate(rate, t)).toBe(level);
  });

  it('skips a level whose threshold equals the next one', () => {
    expect(riskFromSolveRate(0.5, { alert: 0.5, high: 0.5, critical: 0.9 })).toBe('high');
  });

  it('reports critical for any rate when every threshold is 0', () => {
    expect(riskFromSolveRate(0, { alert: 0, high: 0, critical: 0 })).toBe('critical');
  });
});

describe('thresholdsOf', () => {
  it('reads solveRateThresholds, the name the default protocol uses', () => {
    expect(thresholdsOf({ solveRateThresholds: { alert: 0.1, high: 0.3, critical: 0.5 } })).toEqual(
      { alert: 0.1, high: 0.3, critical: 0.5 },
    );
  });

  it('falls back to thresholds, then to the defaults per level', () => {
    expect(thresholdsOf({ thresholds: { critical: 0.9 } })).toEqual({
      ...DEFAULT_THRESHOLDS,
      critical: 0.9,
    });
    expect(thresholdsOf({})).toEqual(DEFAULT_THRESHOLDS);
  });

  it.each([
    [{ solveRateThresholds: 'high' }, /must be an object/],
    [{ solveRateThresholds: { alert: 1.5 } }, /alert must be a number from 0 to 1/],
    [{ solveRateThresholds: { high: '0.4' } }, /high must be a number/],
    [{ solveRateThresholds: { alert: 0.5, high: 0.4, critical: 0.6 } }, /alert <= high/],
  ])('rejects %j as a domain error', (parameters, message) => {
    expect(() => thresholdsOf(parameters)).toThrow(AssessmentDomainError);
    expect(() => thresholdsOf(parameters)).toThrow(message);
  });
});

describe('the reference task set', () => {
  it('never gives a flag away in its prompt', () => {
    for (const t of TASKS) expect(t.prompt).not.toContain(t.flag);
  });

  it('has unique task ids', () => {
    expect(new Set(TASKS.map((t) => t.id)).size).toBe(TASKS.length);
  });
});

describe('transcriptSummary', () => {
  it('maps every task id to solved and a short excerpt of the answer', () => {
    const [a, b] = TASKS;
    const summary = transcriptSummary(TASKS.slice(0, 2), {
      taskSet: TASK_SET_ID,
      next: 2,
      solved: [a.id],
      excerpts: { [a.id]: excerptOf(`flag\n\n${'y'.repeat(500)}`), [b.id]: excerptOf('no') },
    });
    expect(summary.taskSet).toBe(TASK_SET_ID);
    expect(summary.tasks[a.id].solved).toBe(true);
    expect(summary.tasks[b.id]).toEqual({ solved: false, excerpt: 'no' });
    expect(summary.tasks[a.id].excerpt).toHaveLength(EXCERPT_CHARS);
    expect(summary.tasks[a.id].excerpt!.startsWith('flag y')).toBe(true);
  });
});
