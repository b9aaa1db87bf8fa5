/**
 * US federal holidays with the dates federal offices actually close (OPM observed dates). Runs in
 * an activity only: it imports date-holidays, which workflow code must not.
 *
 * date-holidays supplies the rule data (which Monday is Memorial Day...). Its US list also holds
 * observances (Valentine's Day, Tax Day, the day after Thanksgiving), and while it does list
 * substitute days, Veterans Day's is typed `bank` rather than `public`, so filtering by type would
 * lose it. This module therefore keeps only the statutory holidays, by name, and derives observed
 * dates itself from their actual dates (the two agree for 1986-2100).
 */
import Holidays from 'date-holidays';

export interface FederalHoliday {
  /** Observed date, `YYYY-MM-DD`: the day federal offices close. */
  date: string;
  /** The name in 5 U.S.C. 6103, with " (observed)" when the closure is not on the day itself. */
  name: string;
}

interface StatutoryHoliday {
  /** As 5 U.S.C. 6103(a) names it. */
  name: string;
  /** As date-holidays names it in US English. */
  sourceName: string;
  /** First year observed, when later than FIRST_SUPPORTED_YEAR. */
  since?: number;
}

// 5 U.S.C. 6103(a). Inauguration Day (6103(c)) is left out: it closes offices only in the
// Washington area, every fourth year.
const STATUTORY_HOLIDAYS: readonly StatutoryHoliday[] = [
  { name: "New Year's Day", sourceName: "New Year's Day" },
  { name: 'Birthday of Martin Luther King, Jr.', sourceName: 'Martin Luther King Jr. Day' },
  { name: "Washington's Birthday", sourceName: "Washington's Birthday" },
  { name: 'Memorial Day', sourceName: 'Memorial Day' },
  { name: 'Juneteenth National Independence Day', sourceName: 'Juneteenth', since: 2021 },
  { name: 'Independence Day', sourceName: 'Independence Day' },
  { name: 'Labor Day', sourceName: 'Labor Day' },
  { name: 'Columbus Day', sourceName: 'Columbus Day' },
  { name: 'Veterans Day', sourceName: 'Veterans Day' },
  { name: 'Thanksgiving Day', sourceName: 'Thanksgiving Day' },
  { name: 'Christmas Day', sourceName: 'Christmas Day' },
];

// From 1986 every holiday but Juneteenth has had its present rule (Martin Luther King Jr.'s
// birthday was first observed that year; Veterans Day returned to November 11 in 1978), so
// date-holidays' rules, which carry no history, are right from then on.
const FIRST_SUPPORTED_YEAR = 1986;
// The loop below reads one year past toYear.
const LAST_SUPPORTED_YEAR = 9998;

const SOURCE_LANGUAGE = 'en-us';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The federal holidays whose observed date falls in fromYear..toYear (inclusive), sorted by date.
 * A holiday observed in another year than its own belongs to the observing year: New Year's Day
 * 2028 (a Saturday) appears as 2027-12-31 in 2027's list and not in 2028's.
 */
export function federalHolidays(fromYear: number, toYear: number): FederalHoliday[] {
  assertYear(fromYear);
  assertYear(toYear);
  if (fromYear > toYear) {
    throw new RangeError(`fromYear ${fromYear} is after toYear ${toYear}`);
  }
  // US English pinned: the names are matched below, and plain `en` says "Labour Day".
  const source = new Holidays('US', { languages: [SOURCE_LANGUAGE] });
  const result: FederalHoliday[] = [];
  // toYear + 1 because New Year's Day on a Saturday is observed on December 31 of the year
  // before; no holiday is observed in the year after its own (Christmas on a Sunday: Dec 26).
  for (let year = fromYear; year <= toYear + 1; year++) {
    for (const holiday of statutoryDates(source, year)) {
      const observed = observedDate(holiday.date);
      const observedYear = Number(observed.slice(0, 4));
      if (observedYear < fromYear || observedYear > toYear) continue;
      result.push({
        date: observed,
        name: observed === holiday.date ? holiday.name : `${holiday.name} (observed)`,
      });
    }
  }
  return result.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The observed dates of federalHolidays, sorted and unique: the calendar's holiday input. */
export function federalNonBusinessDates(fromYear: number, toYear: number): string[] {
  return [...new Set(federalHolidays(fromYear, toYear).map((h) => h.date))].sort();
}

/** Each statutory holiday's actual (unshifted) date in one year, from date-holidays' rules. */
function statutoryDates(source: Holidays, year: number): FederalHoliday[] {
  const found = source
    .getHolidays(year, SOURCE_LANGUAGE)
    .filter((h) => !h.substitute)
    .map((h) => ({ date: h.date.slice(0, 10), sourceName: h.name }));
  const result: FederalHoliday[] = [];
  for (const statutory of STATUTORY_HOLIDAYS) {
    if (statutory.since !== undefined && year < statutory.since) continue;
    const matches = found.filter((h) => h.sourceName === statutory.sourceName);
    // A renamed or dropped rule in a date-holidays upgrade must fail loudly: a missing holiday
    // would silently make every deadline around it one day short.
    if (matches.length !== 1) {
      throw new Error(
        `date-holidays returned ${matches.length} entries named "${statutory.sourceName}" for ` +
          `${year}; expected exactly one. Check the date-holidays US rules.`,
      );
    }
    result.push({ date: matches[0].date, name: statutory.name });
  }
  return result;
}

/** OPM / Executive Order 11582: Saturday holidays close the Friday before, Sunday ones the Monday after. */
function observedDate(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const weekday = new Date(ms).getUTCDay();
  const shift = weekday === 6 ? -1 : weekday === 0 ? 1 : 0;
  return new Date(ms + shift * DAY_MS).toISOString().slice(0, 10);
}

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
    throw new RangeError(`Year ${year} is outside ${FIRST_SUPPORTED_YEAR}..${LAST_SUPPORTED_YEAR}`);
  }
}
