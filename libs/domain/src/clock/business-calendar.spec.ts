import fc from 'fast-check';
import type { ClockSpec } from '../protocol/protocol.types';
import {
  addBusinessDays,
  addCalendarDays,
  businessDaysBetween,
  computeDeadline,
  endOfDay,
  InvalidClockError,
  isBusinessDay,
  nextBusinessDay,
  shiftForClockStop,
  toDateString,
  type BusinessCalendar,
} from './business-calendar';
import { InvalidDurationError } from './iso-duration';

// OPM observed federal holidays, written out by hand so these specs do not lean on the activity
// that produces them (activities/calendar/federal-holidays.ts has its own spec).
const FEDERAL_2026_2027: BusinessCalendar = {
  nonBusinessDates: [
    '2026-01-01',
    '2026-01-19',
    '2026-02-16',
    '2026-05-25',
    '2026-06-19',
    '2026-07-03', // Independence Day, Saturday 4 July, observed Friday
    '2026-09-07',
    '2026-10-12',
    '2026-11-11',
    '2026-11-26',
    '2026-12-25',
    '2027-01-01',
    '2027-01-18',
    '2027-02-15',
    '2027-05-31',
    '2027-06-18',
    '2027-07-05',
    '2027-09-06',
    '2027-10-11',
    '2027-11-11',
    '2027-11-25',
    '2027-12-24', // Christmas, Saturday, observed Friday
    '2027-12-31', // New Year's Day 2028, Saturday, observed in 2027
  ],
};
const NO_HOLIDAYS: BusinessCalendar = { nonBusinessDates: [] };

const at = (iso: string): number => Date.parse(iso);
const withClosures = (cal: BusinessCalendar, ...dates: string[]): BusinessCalendar => ({
  nonBusinessDates: [...cal.nonBusinessDates, ...dates],
});
const businessDays = (amount: number): ClockSpec => ({ unit: 'business_days', amount });
const calendarDays = (amount: number, roll = false): ClockSpec => ({
  unit: 'calendar_days',
  amount,
  rollToBusinessDay: roll,
});

describe('dates and instants', () => {
  it('takes the UTC date of an instant, whatever the hour', () => {
    expect(toDateString(at('2026-03-02T00:00:00.000Z'))).toBe('2026-03-02');
    expect(toDateString(at('2026-03-02T23:59:59.999Z'))).toBe('2026-03-02');
    expect(toDateString(at('2026-03-03T00:00:00.000Z'))).toBe('2026-03-03');
    expect(toDateString(at('1969-12-31T12:00:00Z'))).toBe('1969-12-31');
  });

  it('ends a day at its last millisecond, UTC', () => {
    expect(endOfDay('2026-02-28')).toBe(at('2026-02-28T23:59:59.999Z'));
    expect(endOfDay('2028-02-29')).toBe(at('2028-02-29T23:59:59.999Z'));
    expect(endOfDay('2026-12-31') + 1).toBe(at('2027-01-01T00:00:00Z'));
  });

  it.each([
    '2026-02-29',
    '2026-02-30',
    '2026-13-01',
    '2026-3-2',
    '20260302',
    '',
    '2026-03-02T00:00Z',
  ])('rejects the date %j', (date) => {
    expect(() => endOfDay(date)).toThrow(InvalidClockError);
    expect(() => isBusinessDay(date, NO_HOLIDAYS)).toThrow(InvalidClockError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 1e16])('rejects the instant %d', (ms) => {
    expect(() => toDateString(ms)).toThrow(InvalidClockError);
    expect(() => addBusinessDays(ms, 1, NO_HOLIDAYS)).toThrow(InvalidClockError);
  });

  it('refuses a malformed non-business date instead of silently ignoring it', () => {
    const cal = { nonBusinessDates: ['2026-3-10'] };
    expect(() => isBusinessDay('2026-03-10', cal)).toThrow('"2026-3-10"');
  });
});

describe('isBusinessDay', () => {
  it.each([
    ['2026-07-06', true, 'a Monday'],
    ['2026-11-27', true, 'the day after Thanksgiving, which is not a federal holiday'],
    ['2026-07-04', false, 'a Saturday'],
    ['2026-07-05', false, 'a Sunday'],
    ['2026-07-03', false, 'an observed holiday'],
    ['2026-11-26', false, 'Thanksgiving'],
    ['1969-12-27', false, 'a Saturday before the epoch'],
    ['1969-12-26', true, 'a Friday before the epoch'],
  ])('%s is a business day: %s (%s)', (date, expected) => {
    expect(isBusinessDay(date, FEDERAL_2026_2027)).toBe(expected);
  });

  it('treats an operator closure like a holiday', () => {
    expect(isBusinessDay('2026-03-10', FEDERAL_2026_2027)).toBe(true);
    expect(isBusinessDay('2026-03-10', withClosures(FEDERAL_2026_2027, '2026-03-10'))).toBe(false);
  });
});

describe('nextBusinessDay', () => {
  it.each([
    ['2026-03-09', '2026-03-09', 'a business day is its own'],
    ['2026-03-07', '2026-03-09', 'Saturday rolls to Monday'],
    ['2026-03-08', '2026-03-09', 'Sunday rolls to Monday'],
    ['2026-01-19', '2026-01-20', 'a Monday holiday rolls to Tuesday'],
    ['2026-07-03', '2026-07-06', 'a Friday holiday rolls over the weekend'],
    ['2027-12-24', '2027-12-27', 'observed Christmas rolls over the weekend'],
    ['2027-12-31', '2028-01-03', 'observed New Year 2028 rolls into 2028'],
  ])('%s -> %s (%s)', (date, expected) => {
    expect(nextBusinessDay(date, FEDERAL_2026_2027)).toBe(expected);
  });

  it('gives up on a calendar with no business day for years', () => {
    const closed: string[] = [];
    for (let ms = at('2026-01-01T00:00Z'); ms < at('2037-01-01T00:00Z'); ms += 86_400_000) {
      closed.push(toDateString(ms));
    }
    expect(() => nextBusinessDay('2026-01-01', { nonBusinessDates: closed })).toThrow(
      InvalidClockError,
    );
  });
});

describe('addBusinessDays (CFIUS counting)', () => {
  it('never counts the start date and ends at the end of the nth business day', () => {
    // Monday 2 March 2026: day 1 is Tuesday 3 March.
    expect(addBusinessDays(at('2026-03-02T09:00Z'), 1, NO_HOLIDAYS)).toBe(endOfDay('2026-03-03'));
    expect(addBusinessDays(at('2026-03-02T09:00Z'), 10, NO_HOLIDAYS)).toBe(endOfDay('2026-03-16'));
  });

  it('ignores the hour of the start instant', () => {
    const early = addBusinessDays(at('2026-03-02T00:00:00.000Z'), 3, NO_HOLIDAYS);
    const late = addBusinessDays(at('2026-03-02T23:59:59.999Z'), 3, NO_HOLIDAYS);
    expect(early).toBe(late);
    expect(early).toBe(endOfDay('2026-03-05'));
  });

  it('starts counting on the Monday after a weekend start', () => {
    expect(addBusinessDays(at('2026-03-07T12:00Z'), 1, NO_HOLIDAYS)).toBe(endOfDay('2026-03-09'));
    expect(addBusinessDays(at('2026-03-08T12:00Z'), 1, NO_HOLIDAYS)).toBe(endOfDay('2026-03-09'));
    expect(addBusinessDays(at('2026-03-06T12:00Z'), 1, NO_HOLIDAYS)).toBe(endOfDay('2026-03-09'));
  });

  it('counts a start on a holiday from the next business day', () => {
    // Thursday 1 January 2026: day 1 is Friday 2 January.
    expect(addBusinessDays(at('2026-01-01T10:00Z'), 1, FEDERAL_2026_2027)).toBe(
      endOfDay('2026-01-02'),
    );
  });

  it('skips Thanksgiving but not the day after it', () => {
    // Friday 20 Nov 2026: 23, 24, 25, (26 Thanksgiving), 27, 30.
    expect(addBusinessDays(at('2026-11-20T14:00Z'), 5, FEDERAL_2026_2027)).toBe(
      endOfDay('2026-11-30'),
    );
    // The follow-up-questions clock: 3 business days from Tuesday 24 Nov 2026.
    expect(addBusinessDays(at('2026-11-24T16:00Z'), 3, FEDERAL_2026_2027)).toBe(
      endOfDay('2026-11-30'),
    );
  });

  it('counts 10 business days across Christmas and New Year 2026-27', () => {
    // Friday 18 Dec 2026: 21, 22, 23, 24, (25), 28, 29, 30, 31, (1 Jan), 4, 5.
    expect(addBusinessDays(at('2026-12-18T15:00Z'), 10, FEDERAL_2026_2027)).toBe(
      endOfDay('2027-01-05'),
    );
  });

  it('counts 10 business days across Christmas and New Year 2027-28, both observed on Fridays', () => {
    // Friday 17 Dec 2027: 20, 21, 22, 23, (24), 27, 28, 29, 30, (31), 3 Jan, 4 Jan.
    expect(addBusinessDays(at('2027-12-17T15:00Z'), 10, FEDERAL_2026_2027)).toBe(
      endOfDay('2028-01-04'),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects n = %d', (n) => {
    expect(() => addBusinessDays(at('2026-03-02T09:00Z'), n, NO_HOLIDAYS)).toThrow(
      InvalidClockError,
    );
    expect(() => addBusinessDays(at('2026-03-02T09:00Z'), n, NO_HOLIDAYS)).toThrow(
      'positive integer',
    );
  });
});

describe('addCalendarDays', () => {
  it('ends at the end of the date n days after the start date', () => {
    expect(addCalendarDays(at('2026-06-01T18:00Z'), 30, FEDERAL_2026_2027, true)).toBe(
      endOfDay('2026-07-01'),
    );
  });

  it('rolls 30 calendar days landing on Saturday 4 July over the observed holiday and the weekend', () => {
    const start = at('2026-06-04T10:00Z');
    expect(addCalendarDays(start, 30, FEDERAL_2026_2027, false)).toBe(endOfDay('2026-07-04'));
    expect(addCalendarDays(start, 30, FEDERAL_2026_2027, true)).toBe(endOfDay('2026-07-06'));
  });

  it('rolls from a Sunday to the Monday', () => {
    // Monday 2 March + 6 = Sunday 8 March.
    expect(addCalendarDays(at('2026-03-02T10:00Z'), 6, NO_HOLIDAYS, true)).toBe(
      endOfDay('2026-03-09'),
    );
  });

  it('rolls from a Monday holiday to the Tuesday', () => {
    // Friday 9 Jan + 10 = Monday 19 Jan 2026, Birthday of Martin Luther King, Jr.
    const start = at('2026-01-09T10:00Z');
    expect(addCalendarDays(start, 10, FEDERAL_2026_2027, false)).toBe(endOfDay('2026-01-19'));
    expect(addCalendarDays(start, 10, FEDERAL_2026_2027, true)).toBe(endOfDay('2026-01-20'));
  });

  it.each([0, -3, 2.5, Number.NaN])('rejects n = %d', (n) => {
    expect(() => addCalendarDays(at('2026-03-02T09:00Z'), n, NO_HOLIDAYS, true)).toThrow(
      InvalidClockError,
    );
  });
});

describe('computeDeadline', () => {
  const start = at('2026-03-06T20:00Z'); // a Friday evening

  it('dispatches business days', () => {
    expect(computeDeadline(start, businessDays(10), FEDERAL_2026_2027)).toBe(
      endOfDay('2026-03-20'),
    );
  });

  it('dispatches calendar days, rolled only when the spec says so', () => {
    // Friday 6 March + 8 = Saturday 14 March.
    expect(computeDeadline(start, calendarDays(8), FEDERAL_2026_2027)).toBe(endOfDay('2026-03-14'));
    expect(computeDeadline(start, calendarDays(8, true), FEDERAL_2026_2027)).toBe(
      endOfDay('2026-03-16'),
    );
  });

  it('adds a duration exactly', () => {
    expect(computeDeadline(start, { unit: 'duration', iso: 'PT30S' }, FEDERAL_2026_2027)).toBe(
      start + 30_000,
    );
    // Lands on Saturday 02:00 and, unrolled, stays there.
    expect(computeDeadline(start, { unit: 'duration', iso: 'PT6H' }, FEDERAL_2026_2027)).toBe(
      at('2026-03-07T02:00Z'),
    );
  });

  it('rolls a duration landing on a non-business date to the START of the next business day', () => {
    const spec: ClockSpec = { unit: 'duration', iso: 'PT6H', rollToBusinessDay: true };
    expect(computeDeadline(start, spec, FEDERAL_2026_2027)).toBe(at('2026-03-09T00:00:00.000Z'));
    // Thursday 2 July 2026 + 1 day = the observed Independence Day: Monday 6 July, 00:00.
    const beforeHoliday = at('2026-07-02T09:30Z');
    expect(
      computeDeadline(
        beforeHoliday,
        { unit: 'duration', iso: 'P1D', rollToBusinessDay: true },
        FEDERAL_2026_2027,
      ),
    ).toBe(at('2026-07-06T00:00Z'));
  });

  it('leaves a rolled duration alone when it lands on a business day', () => {
    const spec: ClockSpec = { unit: 'duration', iso: 'PT2H', rollToBusinessDay: true };
    expect(computeDeadline(start, spec, FEDERAL_2026_2027)).toBe(start + 2 * 3_600_000);
  });

  it('refuses a clock without its amount or duration', () => {
    expect(() => computeDeadline(start, { unit: 'business_days' }, NO_HOLIDAYS)).toThrow(
      InvalidClockError,
    );
    expect(() => computeDeadline(start, { unit: 'calendar_days' }, NO_HOLIDAYS)).toThrow(
      InvalidClockError,
    );
    expect(() => computeDeadline(start, { unit: 'duration' }, NO_HOLIDAYS)).toThrow(
      InvalidClockError,
    );
    expect(() => computeDeadline(start, { unit: 'duration', iso: 'P1M' }, NO_HOLIDAYS)).toThrow(
      InvalidDurationError,
    );
    expect(() => computeDeadline(start, businessDays(0), NO_HOLIDAYS)).toThrow(InvalidClockError);
    expect(() =>
      computeDeadline(start, { unit: 'weeks' } as unknown as ClockSpec, NO_HOLIDAYS),
    ).toThrow('Unknown clock unit "weeks"');
  });
});

describe('closure days added later', () => {
  // A 10-business-day clock from Monday 2 March 2026 ends on Monday 16 March.
  const start = at('2026-03-02T09:00Z');
  const clock = businessDays(10);

  it('has the expected baseline', () => {
    expect(computeDeadline(start, clock, FEDERAL_2026_2027)).toBe(endOfDay('2026-03-16'));
  });

  it('moves the deadline one business day later when a closure falls inside the window', () => {
    const cal = withClosures(FEDERAL_2026_2027, '2026-03-10');
    expect(computeDeadline(start, clock, cal)).toBe(endOfDay('2026-03-17'));
  });

  it('moves it when the closure is the last day of the window itself', () => {
    const cal = withClosures(FEDERAL_2026_2027, '2026-03-16');
    expect(computeDeadline(start, clock, cal)).toBe(endOfDay('2026-03-17'));
  });

  it.each([
    ['2026-03-18', 'after the window'],
    ['2026-03-02', 'on the start date, which never counts'],
    ['2026-02-27', 'before the start'],
    ['2026-03-07', 'on a Saturday already skipped'],
  ])('does not move it when the closure is %s (%s)', (closure) => {
    const cal = withClosures(FEDERAL_2026_2027, closure);
    expect(computeDeadline(start, clock, cal)).toBe(endOfDay('2026-03-16'));
  });

  it('moves a rolled calendar-day deadline only when the closure is on the landing date', () => {
    // Monday 2 March + 30 = Wednesday 1 April.
    const spec = calendarDays(30, true);
    expect(computeDeadline(start, spec, FEDERAL_2026_2027)).toBe(endOfDay('2026-04-01'));
    expect(computeDeadline(start, spec, withClosures(FEDERAL_2026_2027, '2026-04-01'))).toBe(
      endOfDay('2026-04-02'),
    );
    expect(computeDeadline(start, spec, withClosures(FEDERAL_2026_2027, '2026-03-20'))).toBe(
      endOfDay('2026-04-01'),
    );
  });
});

describe('businessDaysBetween', () => {
  it('counts business days after the from date up to and including the to date', () => {
    expect(
      businessDaysBetween(at('2026-11-20T14:00Z'), at('2026-11-30T08:00Z'), FEDERAL_2026_2027),
    ).toBe(5);
  });

  it('is 0 when to is not after from, or on the same date', () => {
    const t = at('2026-03-03T10:00Z');
    expect(businessDaysBetween(t, t, NO_HOLIDAYS)).toBe(0);
    expect(businessDaysBetween(t, t - 5 * 86_400_000, NO_HOLIDAYS)).toBe(0);
    expect(businessDaysBetween(t, at('2026-03-03T23:00Z'), NO_HOLIDAYS)).toBe(0);
  });

  it('reports a deadline "passed by N business days"', () => {
    const due = endOfDay('2026-12-23');
    // Checked on Tuesday 29 Dec: 24 and 28 and 29 have passed (25 is Christmas).
    expect(businessDaysBetween(due, at('2026-12-29T12:00Z'), FEDERAL_2026_2027)).toBe(3);
  });
});

describe('shiftForClockStop', () => {
  it('moves a duration clock by the time stopped', () => {
    const due = at('2026-03-03T12:00Z');
    const spec: ClockSpec = { unit: 'duration', iso: 'PT4H' };
    expect(
      shiftForClockStop(due, at('2026-03-03T09:00Z'), at('2026-03-03T09:45Z'), spec, NO_HOLIDAYS),
    ).toBe(due + 45 * 60_000);
  });

  it('rolls a shifted duration clock that lands on a weekend when the spec rolls', () => {
    const due = at('2026-03-06T22:00Z'); // Friday
    const spec: ClockSpec = { unit: 'duration', iso: 'PT4H', rollToBusinessDay: true };
    expect(
      shiftForClockStop(due, at('2026-03-06T18:00Z'), at('2026-03-06T21:00Z'), spec, NO_HOLIDAYS),
    ).toBe(at('2026-03-09T00:00Z'));
  });

  it('moves a business-day clock by the business days in the stop, counted from the old due date', () => {
    const due = endOfDay('2026-03-13'); // Friday
    // Stopped Monday 9, resumed Wednesday 11: 10 and 11 were lost.
    const shifted = shiftForClockStop(
      due,
      at('2026-03-09T10:00Z'),
      at('2026-03-11T09:00Z'),
      businessDays(10),
      FEDERAL_2026_2027,
    );
    expect(shifted).toBe(endOfDay('2026-03-17'));
  });

  it('re-counts over a holiday after the old due date', () => {
    const due = endOfDay('2026-11-25'); // the Wednesday before Thanksgiving
    const shifted = shiftForClockStop(
      due,
      at('2026-11-16T10:00Z'),
      at('2026-11-17T10:00Z'),
      businessDays(3),
      FEDERAL_2026_2027,
    );
    expect(shifted).toBe(endOfDay('2026-11-27'));
  });

  it('leaves a business-day clock alone when no business day was lost', () => {
    const due = endOfDay('2026-03-13');
    const spec = businessDays(10);
    // Within one day, and over a weekend only (Friday evening to Sunday).
    expect(
      shiftForClockStop(due, at('2026-03-10T09:00Z'), at('2026-03-10T17:00Z'), spec, NO_HOLIDAYS),
    ).toBe(due);
    expect(
      shiftForClockStop(due, at('2026-03-06T18:00Z'), at('2026-03-08T20:00Z'), spec, NO_HOLIDAYS),
    ).toBe(due);
  });

  it('moves a calendar-day clock by the calendar days in the stop, rolled when the spec rolls', () => {
    const due = endOfDay('2026-07-01');
    const stopped = at('2026-06-10T12:00Z');
    const resumed = at('2026-06-13T08:00Z'); // three dates later: lands on Saturday 4 July
    expect(shiftForClockStop(due, stopped, resumed, calendarDays(30), FEDERAL_2026_2027)).toBe(
      endOfDay('2026-07-04'),
    );
    expect(
      shiftForClockStop(due, stopped, resumed, calendarDays(30, true), FEDERAL_2026_2027),
    ).toBe(endOfDay('2026-07-06'));
  });

  it('leaves a calendar-day clock alone when the stop crosses no midnight', () => {
    const due = endOfDay('2026-07-01');
    expect(
      shiftForClockStop(
        due,
        at('2026-06-10T01:00Z'),
        at('2026-06-10T23:00Z'),
        calendarDays(30, true),
        NO_HOLIDAYS,
      ),
    ).toBe(due);
  });

  it('refuses a clock that resumed before it stopped', () => {
    expect(() =>
      shiftForClockStop(
        endOfDay('2026-03-13'),
        at('2026-03-10T09:00Z'),
        at('2026-03-09T09:00Z'),
        businessDays(10),
        NO_HOLIDAYS,
      ),
    ).toThrow(InvalidClockError);
  });
});

describe('properties', () => {
  const DAY = 86_400_000;
  const instant = fc.integer({ min: at('2025-06-01T00:00Z'), max: at('2028-06-01T00:00Z') });
  const days = fc.integer({ min: 1, max: 60 });
  const dateIn = (from: string, to: string) =>
    fc.integer({ min: at(`${from}T00:00Z`), max: at(`${to}T00:00Z`) }).map(toDateString);

  it('addBusinessDays lands at the end of a business day, n business days on', () => {
    fc.assert(
      fc.property(instant, days, (start, n) => {
        const due = addBusinessDays(start, n, FEDERAL_2026_2027);
        expect(due).toBe(endOfDay(toDateString(due)));
        expect(isBusinessDay(toDateString(due), FEDERAL_2026_2027)).toBe(true);
        expect(businessDaysBetween(start, due, FEDERAL_2026_2027)).toBe(n);
        expect(addBusinessDays(start, n + 1, FEDERAL_2026_2027)).toBeGreaterThan(due);
      }),
    );
  });

  it('nextBusinessDay is the first business day on or after the date', () => {
    fc.assert(
      fc.property(dateIn('2025-06-01', '2028-06-01'), (date) => {
        const next = nextBusinessDay(date, FEDERAL_2026_2027);
        expect(isBusinessDay(next, FEDERAL_2026_2027)).toBe(true);
        expect(next >= date).toBe(true);
        for (let ms = at(`${date}T00:00Z`); toDateString(ms) < next; ms += DAY) {
          expect(isBusinessDay(toDateString(ms), FEDERAL_2026_2027)).toBe(false);
        }
      }),
    );
  });

  it('a rolled calendar-day deadline is the first business day on or after the unrolled one', () => {
    fc.assert(
      fc.property(instant, days, (start, n) => {
        const plain = addCalendarDays(start, n, FEDERAL_2026_2027, false);
        const rolled = addCalendarDays(start, n, FEDERAL_2026_2027, true);
        expect(toDateString(plain)).toBe(toDateString(start + n * DAY));
        expect(toDateString(rolled)).toBe(nextBusinessDay(toDateString(plain), FEDERAL_2026_2027));
      }),
    );
  });

  it('a closure moves a business-day deadline by one business day exactly when it falls in the window', () => {
    fc.assert(
      fc.property(instant, days, dateIn('2025-06-01', '2028-09-01'), (start, n, closure) => {
        const before = addBusinessDays(start, n, FEDERAL_2026_2027);
        const after = addBusinessDays(start, n, withClosures(FEDERAL_2026_2027, closure));
        const inWindow =
          closure > toDateString(start) &&
          closure <= toDateString(before) &&
          isBusinessDay(closure, FEDERAL_2026_2027);
        expect(after).toBe(inWindow ? addBusinessDays(before, 1, FEDERAL_2026_2027) : before);
      }),
    );
  });

  it('a business-day stop moves the deadline by the business days lost', () => {
    fc.assert(
      fc.property(instant, days, instant, instant, (start, n, a, b) => {
        const [stopped, resumed] = a <= b ? [a, b] : [b, a];
        const due = addBusinessDays(start, n, FEDERAL_2026_2027);
        const shifted = shiftForClockStop(
          due,
          stopped,
          resumed,
          businessDays(n),
          FEDERAL_2026_2027,
        );
        expect(businessDaysBetween(due, shifted, FEDERAL_2026_2027)).toBe(
          businessDaysBetween(stopped, resumed, FEDERAL_2026_2027),
        );
      }),
    );
  });
});
