/** How times and codes read on the page. Deadlines are UTC days, so times are shown in UTC. */

export function utc(iso: string | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "in 4 min", "2 h ago", "in 3 d". */
export function relative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  const text =
    abs < 60_000
      ? `${Math.max(1, Math.round(abs / 1000))} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** `missed_deadline` → "missed deadline". */
export function words(code: string | undefined): string {
  return code ? code.replace(/[_-]+/g, ' ') : '—';
}

export function percent(fraction: number): number {
  return Math.round(fraction * 100);
}

/** A duration in days, readable at test scale (seconds) and at real scale (days). */
export function days(value: number): string {
  if (value >= 1) return `${value.toFixed(1)} d`;
  const hours = value * 24;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  const minutes = hours * 60;
  return minutes >= 1 ? `${minutes.toFixed(1)} min` : `${Math.round(minutes * 60)} s`;
}
