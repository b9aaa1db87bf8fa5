import { federalHolidays, federalNonBusinessDates } from './federal-holidays';

// OPM observed dates worked out by hand from 5 U.S.C. 6103 and the Saturday-to-Friday,
// Sunday-to-Monday rule, with each weekday checked against the first of its month.
const OPM_OBSERVED: Record<number, string[]> = {
  2026: [
    '2026-01-01', // Thu New Year's Day
    '2026-01-19', // Mon Birthday of Martin Luther King, Jr.
    '2026-02-16', // Mon Washington's Birthday
    '2026-05-25', // Mon Memorial Day
    '2026-06-19', // Fri Juneteenth
    '2026-07-03', // Fri Independence Day (Sat 4 Jul)
    '2026-09-07', // Mon Labor Day
    '2026-10-12', // Mon Columbus Day
    '2026-11-11', // Wed Veterans Day
    '2026-11-26', // Thu Thanksgiving Day
    '2026-12-25', // Fri Christmas Day
  ],
  2027: [
    '2027-01-01', // Fri New Year's Day
    '2027-01-18', // Mon Birthday of Martin Luther King, Jr.
    '2027-02-15', // Mon Washington's Birthday
    '2027-05-31', // Mon Memorial Day
    '2027-06-18', // Fri Juneteenth (Sat 19 Jun)
    '2027-07-05', // Mon Independence Day (Sun 4 Jul)
    '2027-09-06', // Mon Labor Day
    '2027-10-11', // Mon Columbus Day
    '2027-11-11', // Thu Veterans Day
    '2027-11-25', // Thu Thanksgiving Day
    '2027-12-24', // Fri Christmas Day (Sat 25 Dec)
    '2027-12-31', // Fri New Year's Day 2028 (Sat 1 Jan 2028)
  ],
  2028: [
    // New Year's Day is observed in 2027.
    '2028-01-17', // Mon Birthday of Martin Luther King, Jr.
    '2028-02-21', // Mon Washington's Birthday
    '2028-05-29', // Mon Memorial Day
    '2028-06-19', // Mon Juneteenth
    '2028-07-04', // Tue Independence Day
    '2028-09-04', // Mon Labor Day
    '2028-10-09', // Mon Columbus Day
    '2028-11-10', // Fri Veterans Day (Sat 11 Nov)
    '2028-11-23', // Thu Thanksgiving Day
    '2028-12-25', // Mon Christmas Day
  ],
  2029: [
    '2029-01-01', // Mon New Year's Day
    '2029-01-15', // Mon Birthday of Martin Luther King, Jr.
    '2029-02-19', // Mon Washington's Birthday
    '2029-05-28', // Mon Memorial Day
    '2029-06-19', // Tue Juneteenth
    '2029-07-04', // Wed Independence Day
    '2029-09-03', // Mon Labor Day
    '2029-10-08', // Mon Columbus Day
    '2029-11-12', // Mon Veterans Day (Sun 11 Nov)
    '2029-11-22', // Thu Thanksgiving Day
    '2029-12-25', // Tue Christmas Day
  ],
  2030: [
    '2030-01-01', // Tue New Year's Day
    '2030-01-21', // Mon Birthday of Martin Luther King, Jr.
    '2030-02-18', // Mon Washington's Birthday
    '2030-05-27', // Mon Memorial Day
    '2030-06-19', // Wed Juneteenth
    '2030-07-04', // Thu Independence Day
    '2030-09-02', // Mon Labor Day
    '2030-10-14', // Mon Columbus Day
    '2030-11-11', // Mon Veterans Day
    '2030-11-28', // Thu Thanksgiving Day
    '2030-12-25', // Wed Christmas Day
  ],
};

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

describe('federalHolidays', () => {
  it.each([2026, 2027, 2028, 2029, 2030])('gives the OPM observed dates for %d', (year) => {
    expect(federalHolidays(year, year).map((h) => h.date)).toEqual(OPM_OBSERVED[year]);
  });

  it('gives 2026 through 2030 in one call, in date order', () => {
    expect(federalHolidays(2026, 2030).map((h) => h.date)).toEqual(
      [2026, 2027, 2028, 2029, 2030].flatMap((y) => OPM_OBSERVED[y]),
    );
  });

  it('never closes on a weekend', () => {
    const onWeekends = federalHolidays(2021, 2060).filter((h) => [0, 6].includes(weekday(h.date)));
    expect(onWeekends).toEqual([]);
  });

  it('puts New Year 2028, a Saturday, in 2027 and not in 2028', () => {
    expect(federalHolidays(2027, 2027)).toContainEqual({
      date: '2027-12-31',
      name: "New Year's Day (observed)",
    });
    expect(federalHolidays(2028, 2028).some((h) => h.name.startsWith("New Year's Day"))).toBe(
      false,
    );
  });

  it('names holidays as 5 U.S.C. 6103 does, marking the shifted ones', () => {
    expect(federalHolidays(2026, 2026)).toEqual([
      { date: '2026-01-01', name: "New Year's Day" },
      { date: '2026-01-19', name: 'Birthday of Martin Luther King, Jr.' },
      { date: '2026-02-16', name: "Washington's Birthday" },
      { date: '2026-05-25', name: 'Memorial Day' },
      { date: '2026-06-19', name: 'Juneteenth National Independence Day' },
      { date: '2026-07-03', name: 'Independence Day (observed)' },
      { date: '2026-09-07', name: 'Labor Day' },
      { date: '2026-10-12', name: 'Columbus Day' },
      { date: '2026-11-11', name: 'Veterans Day' },
      { date: '2026-11-26', name: 'Thanksgiving Day' },
      { date: '2026-12-25', name: 'Christmas Day' },
    ]);
  });

  it('leaves out observances date-holidays lists for the US', () => {
    const names = federalHolidays(2026, 2030).map((h) => h.name);
    for (const observance of [
      'Valentine',
      'Tax Day',
      'Day after Thanksgiving',
      'Christmas Eve',
      'Election Day',
      'Inauguration',
    ]) {
      expect(names.filter((n) => n.includes(observance))).toEqual([]);
    }
  });

  it('shifts Sunday holidays to Monday across the new year (Christmas 2033, New Year 2034)', () => {
    const dates = federalHolidays(2033, 2034).map((h) => h.date);
    expect(dates).toContain('2033-06-20'); // Juneteenth, Sunday 19 June
    expect(dates).toContain('2033-12-26');
    expect(dates).toContain('2034-01-02');
    expect(dates).not.toContain('2033-12-25');
    expect(dates).not.toContain('2034-01-01');
  });

  it('starts Juneteenth in 2021, observed on Friday 18 June', () => {
    expect(federalHolidays(2020, 2020).some((h) => h.name.startsWith('Juneteenth'))).toBe(false);
    expect(federalHolidays(2021, 2021)).toContainEqual({
      date: '2021-06-18',
      name: 'Juneteenth National Independence Day (observed)',
    });
  });

  it.each([
    [2030, 2026],
    [2026.5, 2027],
    [1950, 2026],
    [Number.NaN, 2026],
  ])('rejects the range %d..%d', (from, to) => {
    expect(() => federalHolidays(from, to)).toThrow(RangeError);
  });
});

describe('federalNonBusinessDates', () => {
  it('is the sorted, unique observed dates', () => {
    const dates = federalNonBusinessDates(2026, 2030);
    expect(dates).toEqual([2026, 2027, 2028, 2029, 2030].flatMap((y) => OPM_OBSERVED[y]));
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('has eleven dates in an ordinary year, twelve or ten when New Year moves across', () => {
    expect(federalNonBusinessDates(2026, 2026)).toHaveLength(11);
    expect(federalNonBusinessDates(2027, 2027)).toHaveLength(12);
    expect(federalNonBusinessDates(2028, 2028)).toHaveLength(10);
  });
});
