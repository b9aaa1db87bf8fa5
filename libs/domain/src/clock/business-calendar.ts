/**
 * Business-day calendar and deadline arithmetic. Pure: bundled into workflow code.
 *
 * Dates are UTC calendar dates (`YYYY-MM-DD`); instants are epoch milliseconds. Day-based
 * deadlines fall at the end of a UTC day (23:59:59.999), so "within 10 business days" includes
 * the whole tenth day.
 *
 * Every function takes the calendar rather than caching it: a deadline is recomputed from its
 * original start whenever the calendar changes, which is how a closure day added later moves every
 * open deadline it touches (see review/deadlines.ts).
 */
import type { ClockSpec } from '../protocol/protocol.types';
import { parseIsoDuration } from './iso-duration';

export interface BusinessCalendar {
  /**
   * Observed federal holidays plus closure days added by operators, `YYYY-MM-DD`. Weekends are
   * always non-business and need not be listed.
   */
  nonBusinessDates: string[];
}

export class InvalidClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidClockError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A calendar that closes every day for ten years is a configuration error, not a long wait.
const MAX_CONSECUTIVE_CLOSED_DAYS = 3660;

export function isBusinessDay(date: string, cal: BusinessCalendar): boolean {
  return isOpen(dayNumber(date), closedDays(cal));
}

/** The UTC calendar date of an instant. */
export function toDateString(ms: number): string {
  assertInstant(ms, 'instant');
  return dateOf(Math.floor(ms / DAY_MS));
}

/** The last millisecond (23:59:59.999 UTC) of a date. */
export function endOfDay(date: string): number {
  return endOf(dayNumber(date));
}

/** The date itself if it is a business day, else the first business day after it. */
export function nextBusinessDay(date: string, cal: BusinessCalendar): string {
  return dateOf(rollForward(dayNumber(date), closedDays(cal)));
}

/**
 * CFIUS counting: day 1 is the first business day after the start instant's date (the day a case
 * arrives never counts, whatever the hour), and the deadline is the end of the nth business day.
 */
export function addBusinessDays(startMs: number, n: number, cal: BusinessCalendar): number {
  assertInstant(startMs, 'start');
  assertPositiveInteger(n, 'business days');
  const closed = closedDays(cal);
  let day = dayOfInstant(startMs);
  for (let i = 0; i < n; i++) day = rollForward(day + 1, closed);
  return endOf(day);
}

/**
 * The end of the date n calendar days after the start instant's date. With `rollToBusinessDay`
 * a date that is not a business day moves to the end of the next business day.
 */
export function addCalendarDays(
  startMs: number,
  n: number,
  cal: BusinessCalendar,
  rollToBusinessDay: boolean,
): number {
  assertInstant(startMs, 'start');
  assertPositiveInteger(n, 'calendar days');
  const day = dayOfInstant(startMs) + n;
  return endOf(rollToBusinessDay ? rollForward(day, closedDays(cal)) : day);
}

/**
 * When a clock that starts at `startMs` falls due.
 *
 * `duration` clocks are exact: `startMs + iso`. With `rollToBusinessDay` an instant that lands on a
 * non-business date moves to the START (00:00 UTC) of the next business day, not its end: a
 * sub-day clock is meant to be short, and rolling it to the end of a day would stretch it by up to
 * a day more than the roll itself requires.
 */
export function computeDeadline(startMs: number, spec: ClockSpec, cal: BusinessCalendar): number {
  switch (spec.unit) {
    case 'business_days':
      return addBusinessDays(startMs, requireAmount(spec), cal);
    case 'calendar_days':
      return addCalendarDays(startMs, requireAmount(spec), cal, spec.rollToBusinessDay === true);
    case 'duration': {
      assertInstant(startMs, 'start');
      if (spec.iso === undefined) {
        throw new InvalidClockError('A duration clock needs an ISO 8601 duration in `iso`');
      }
      const due = startMs + parseIsoDuration(spec.iso);
      return spec.rollToBusinessDay ? rollInstant(due, closedDays(cal)) : due;
    }
    default:
      throw new InvalidClockError(`Unknown clock unit "${(spec as { unit: unknown }).unit}"`);
  }
}

/**
 * The number of business days d with date(from) < d <= date(to); 0 when `to` is not after
 * `from`. Counted like addBusinessDays, so `businessDaysBetween(s, addBusinessDays(s, n)) === n`;
 * used to report that a deadline "passed by N business days".
 */
export function businessDaysBetween(fromMs: number, toMs: number, cal: BusinessCalendar): number {
  assertInstant(fromMs, 'from');
  assertInstant(toMs, 'to');
  if (toMs <= fromMs) return 0;
  const closed = closedDays(cal);
  const last = dayOfInstant(toMs);
  let count = 0;
  for (let day = dayOfInstant(fromMs) + 1; day <= last; day++) {
    if (isOpen(day, closed)) count++;
  }
  return count;
}

/**
 * The due time once a clock stopped at `stoppedAtMs` has resumed at `resumedAtMs`.
 *
 * - `duration`: later by exactly the time stopped (then rolled like computeDeadline if the spec
 *   rolls, so a shifted deadline never lands where a fresh one could not).
 * - `business_days`: later by the business days in the stop, businessDaysBetween(stopped,
 *   resumed), counted on from the old due date with addBusinessDays semantics.
 * - `calendar_days`: later by the calendar days in the stop, counted the same way as business days
 *   (dates d with date(stopped) < d <= date(resumed)), rolled if the spec rolls. Counting dates
 *   rather than flooring elapsed hours keeps the two day units consistent: a stop from Monday
 *   17:00 to Tuesday 09:00 costs one day of either kind.
 *
 * A stop that crosses no day boundary leaves a day-based deadline where it was.
 */
export function shiftForClockStop(
  dueMs: number,
  stoppedAtMs: number,
  resumedAtMs: number,
  spec: ClockSpec,
  cal: BusinessCalendar,
): number {
  assertInstant(dueMs, 'due');
  assertInstant(stoppedAtMs, 'stopped at');
  assertInstant(resumedAtMs, 'resumed at');
  if (resumedAtMs < stoppedAtMs) {
    throw new InvalidClockError(
      `A clock cannot resume (${resumedAtMs}) before it stopped (${stoppedAtMs})`,
    );
  }
  switch (spec.unit) {
    case 'duration': {
      const due = dueMs + (resumedAtMs - stoppedAtMs);
      return spec.rollToBusinessDay ? rollInstant(due, closedDays(cal)) : due;
    }
    case 'business_days': {
      const lost = businessDaysBetween(stoppedAtMs, resumedAtMs, cal);
      return lost === 0 ? dueMs : addBusinessDays(dueMs, lost, cal);
    }
    case 'calendar_days': {
      const lost = dayOfInstant(resumedAtMs) - dayOfInstant(stoppedAtMs);
      return lost === 0
        ? dueMs
        : addCalendarDays(dueMs, lost, cal, spec.rollToBusinessDay === true);
    }
    default:
      throw new InvalidClockError(`Unknown clock unit "${(spec as { unit: unknown }).unit}"`);
  }
}

// Internals work on day numbers (days since 1970-01-01) so that stepping a day is `+ 1` and never
// meets a time zone or a leap second.

function dayNumber(date: string): number {
  const m = typeof date === 'string' ? DATE.exec(date) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Date.UTC silently carries 2026-02-30 into March; the round trip catches it.
    if (Number.isFinite(ms) && dateOf(ms / DAY_MS) === date) return ms / DAY_MS;
  }
  throw new InvalidClockError(`Invalid calendar date "${date}": expected an existing YYYY-MM-DD`);
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function dayOfInstant(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

function endOf(day: number): number {
  return (day + 1) * DAY_MS - 1;
}

function closedDays(cal: BusinessCalendar): Set<number> {
  return new Set(cal.nonBusinessDates.map(dayNumber));
}

function isOpen(day: number, closed: Set<number>): boolean {
  // 1970-01-01 was a Thursday: (day + 4) mod 7 gives 0 for Sunday and 6 for Saturday.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday !== 0 && weekday !== 6 && !closed.has(day);
}

function rollForward(day: number, closed: Set<number>): number {
  for (let d = day; d < day + MAX_CONSECUTIVE_CLOSED_DAYS; d++) {
    if (isOpen(d, closed)) return d;
  }
  throw new InvalidClockError(
    `No business day within ${MAX_CONSECUTIVE_CLOSED_DAYS} days of ${dateOf(day)}`,
  );
}

/** An instant on a non-business date moves to 00:00 UTC of the next business day. */
function rollInstant(ms: number, closed: Set<number>): number {
  const day = dayOfInstant(ms);
  return isOpen(day, closed) ? ms : rollForward(day, closed) * DAY_MS;
}

function requireAmount(spec: ClockSpec): number {
  if (spec.amount === undefined) {
    throw new InvalidClockError(`A ${spec.unit} clock needs a whole number of days in \`amount\``);
  }
  return spec.amount;
}

function assertPositiveInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidClockError(`The number of ${what} must be a positive integer, got ${n}`);
  }
}

// Years 0000-9999: beyond them toISOString writes six-digit years that are not YYYY-MM-DD.
const MIN_INSTANT = -62167219200000;
const MAX_INSTANT = 253402300799999;

function assertInstant(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw new InvalidClockError(`Invalid ${what} instant ${ms}: expected epoch milliseconds`);
  }
}
