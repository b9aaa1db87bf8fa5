/**
 * ISO 8601 durations for sub-day clocks (`PT30S` in tests, `PT4H` for an escalation level).
 * Pure: bundled into workflow code.
 *
 * Only units with a fixed length are accepted. Months and years are refused because their length
 * depends on the start date, and a clock whose length is ambiguous cannot be audited.
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

export class InvalidDurationError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`Invalid ISO 8601 duration "${input}": ${reason}`);
    this.name = 'InvalidDurationError';
  }
}

// Weeks may be combined with the other units (ISO 8601-2 allows it, and refusing `P1W2D` would
// only surprise protocol authors). Only seconds take a fraction, with `.` or `,` as ISO allows.
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d+))?S)?)?$/;

/** Milliseconds in an ISO 8601 duration made of weeks, days, hours, minutes and seconds. */
export function parseIsoDuration(iso: string): number {
  if (typeof iso !== 'string') {
    throw new InvalidDurationError(String(iso), 'not a string');
  }
  const m = DURATION.exec(iso);
  if (!m) {
    throw new InvalidDurationError(iso, whyInvalid(iso));
  }
  const [, weeks, days, hours, minutes, seconds, fraction] = m;
  if ([weeks, days, hours, minutes, seconds].every((part) => part === undefined)) {
    throw new InvalidDurationError(iso, 'no components');
  }
  if (iso.endsWith('T')) {
    throw new InvalidDurationError(iso, 'time designator T without hours, minutes or seconds');
  }
  const ms =
    num(weeks) * WEEK_MS +
    num(days) * DAY_MS +
    num(hours) * HOUR_MS +
    num(minutes) * MINUTE_MS +
    num(seconds) * SECOND_MS +
    // Parsed apart from the whole seconds so that `PT1.1S` is exactly 1100 and not 1100.0000000002.
    (fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * SECOND_MS));
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidDurationError(iso, 'too large');
  }
  return ms;
}

/**
 * The canonical ISO 8601 form of a non-negative number of milliseconds, for display:
 * `P2W`, `P1DT2H30M`, `PT1.5S`, `PT0S`. Whole weeks only when nothing else remains, because
 * `P1W2D` is not understood by every reader. Fractions of a millisecond are rounded.
 * `parseIsoDuration(formatIsoDuration(ms)) === ms` for every safe integer `ms >= 0`.
 */
export function formatIsoDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidDurationError(
      String(ms),
      'only finite, non-negative milliseconds can be formatted',
    );
  }
  let rest = Math.round(ms);
  if (rest === 0) return 'PT0S';
  if (rest % WEEK_MS === 0) return `P${rest / WEEK_MS}W`;

  const days = Math.floor(rest / DAY_MS);
  rest -= days * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = Math.floor(rest / SECOND_MS);
  const millis = rest - seconds * SECOND_MS;

  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds || millis) {
    const frac = millis ? `.${String(millis).padStart(3, '0').replace(/0+$/, '')}` : '';
    time += `${seconds}${frac}S`;
  }
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

function whyInvalid(iso: string): string {
  if (iso.startsWith('-')) return 'negative durations are not allowed';
  if (/^P[^T]*[YM]/.test(iso)) return 'months and years have no fixed length; use weeks or days';
  return 'expected PnW, PnD, PTnH, PTnM, PTnS or a combination such as P1DT2H30M';
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}
