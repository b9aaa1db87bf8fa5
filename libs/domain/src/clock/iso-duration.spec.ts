import fc from 'fast-check';
import { formatIsoDuration, InvalidDurationError, parseIsoDuration } from './iso-duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseIsoDuration', () => {
  it.each([
    ['PT30S', 30 * S],
    ['PT0S', 0],
    ['PT1.5S', 1500],
    ['PT1.1S', 1100],
    ['PT0,25S', 250],
    ['PT0.0004S', 0],
    ['PT0.0005S', 1],
    ['PT15M', 15 * M],
    ['PT4H', 4 * H],
    ['P3D', 3 * D],
    ['P2W', 14 * D],
    ['P1W2D', 9 * D],
    ['P1DT2H30M', D + 2 * H + 30 * M],
    ['PT2H30M15.250S', 2 * H + 30 * M + 15 * S + 250],
    ['P1DT1S', D + S],
    ['PT36H', 36 * H],
  ])('%s is %d ms', (iso, ms) => {
    expect(parseIsoDuration(iso)).toBe(ms);
  });

  it.each([
    ['', 'expected'],
    ['P', 'no components'],
    ['PT', 'no components'],
    ['P1DT', 'time designator'],
    ['-PT30S', 'negative'],
    ['P-1D', 'expected'],
    ['P1M', 'months and years'],
    ['P1Y', 'months and years'],
    ['P1Y2M3D', 'months and years'],
    ['PT1.5M', 'expected'],
    ['P1.5D', 'expected'],
    ['PT.5S', 'expected'],
    ['PT1S2M', 'expected'],
    ['P1H', 'expected'],
    ['pt30s', 'expected'],
    [' PT30S', 'expected'],
    ['30', 'expected'],
    ['P99999999999999999D', 'too large'],
  ])('rejects %j (%s)', (iso, reason) => {
    const attempt = () => parseIsoDuration(iso);
    expect(attempt).toThrow(InvalidDurationError);
    expect(attempt).toThrow(`"${iso}"`);
    expect(attempt).toThrow(reason);
  });

  it('allows PT1M, which is a minute and not a month', () => {
    expect(parseIsoDuration('PT1M')).toBe(M);
  });

  it('carries the offending input on the error', () => {
    try {
      parseIsoDuration('P1M');
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidDurationError);
      expect((e as InvalidDurationError).input).toBe('P1M');
      expect((e as Error).name).toBe('InvalidDurationError');
    }
  });
});

describe('formatIsoDuration', () => {
  it.each([
    [0, 'PT0S'],
    [30 * S, 'PT30S'],
    [1500, 'PT1.5S'],
    [1005, 'PT1.005S'],
    [50, 'PT0.05S'],
    [15 * M, 'PT15M'],
    [D + 2 * H + 30 * M, 'P1DT2H30M'],
    [3 * D, 'P3D'],
    [14 * D, 'P2W'],
    [9 * D, 'P9D'],
    [D + S, 'P1DT1S'],
    [1499.6, 'PT1.5S'],
  ])('%d ms is %s', (ms, iso) => {
    expect(formatIsoDuration(ms)).toBe(iso);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (ms) => {
    expect(() => formatIsoDuration(ms)).toThrow(InvalidDurationError);
  });

  it('is the inverse of parseIsoDuration for every non-negative whole number of ms', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (ms) => {
        expect(parseIsoDuration(formatIsoDuration(ms))).toBe(ms);
      }),
    );
  });

  it('round-trips any duration it accepts to the same length', () => {
    const part = (designator: string) =>
      fc.option(
        fc.nat({ max: 10_000 }).map((n) => `${n}${designator}`),
        { nil: '' },
      );
    const iso = fc
      .tuple(part('W'), part('D'), part('H'), part('M'), part('S'))
      .filter(([w, d, h, m, s]) => [w, d, h, m, s].some((p) => p !== ''))
      .map(([w, d, h, m, s]) => `P${w}${d}${h || m || s ? `T${h}${m}${s}` : ''}`);
    fc.assert(
      fc.property(iso, (text) => {
        const ms = parseIsoDuration(text);
        expect(parseIsoDuration(formatIsoDuration(ms))).toBe(ms);
      }),
    );
  });
});
