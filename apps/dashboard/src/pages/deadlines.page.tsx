import { useState } from 'react';
import { api, query } from '../api';
import { ErrorNote } from '../components/status';
import { relative } from '../format';
import { usePoll } from '../hooks';

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Open deadlines of open reviews, by UTC day. */
export function DeadlinesPage() {
  const [from, setFrom] = useState(day(0));
  const [to, setTo] = useState(day(30));
  const calendar = usePoll((signal) => api.deadlines(query({ from, to }), signal), [from, to]);
  const byDay = new Map<string, NonNullable<typeof calendar.data>['items']>();
  for (const d of calendar.data?.items ?? []) {
    const key = d.dueAt.slice(0, 10);
    byDay.set(key, [...(byDay.get(key) ?? []), d]);
  }

  return (
    <>
      <h1>Deadlines</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Date range">
        <label htmlFor="deadlines-from">From</label>
        <input
          id="deadlines-from"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          required
        />
        <label htmlFor="deadlines-to">To</label>
        <input
          id="deadlines-to"
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          required
        />
      </form>
      <ErrorNote error={calendar.error} />
      {calendar.data && calendar.data.items.length === 0 && <p>No open deadlines in this range.</p>}
      {[...byDay.entries()].map(([date, items]) => (
        <section key={date} aria-labelledby={`day-${date}`}>
          <h2 id={`day-${date}`}>{date}</h2>
          <ul className="day">
            {items.map((d) => (
              <li key={`${d.reviewId}/${d.deadlineId}`}>
                <time dateTime={d.dueAt}>{d.dueAt.slice(11, 16)} UTC</time>{' '}
                <span className="muted">({relative(d.dueAt)})</span> <strong>{d.label}</strong> —{' '}
                <a href={`#/reviews/${d.reviewId}`}>{d.modelName}</a>{' '}
                <span className="muted">{d.developerOrg}</span>
                {d.clockStopped && <span className="badge muted">clock stopped</span>}
                {d.pendingExtensions > 0 && <span className="badge warn">extension pending</span>}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
