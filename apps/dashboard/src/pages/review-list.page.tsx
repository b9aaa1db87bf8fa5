import { useState, type FormEvent } from 'react';
import { api, query, REVIEW_SORTS } from '../api';
import { ProgressBar } from '../components/progress-bar';
import { SummaryPanel } from '../components/summary-panel';
import { ErrorNote, OverdueFlag, StatusBadge, When } from '../components/status';
import { words } from '../format';
import { usePoll } from '../hooks';

interface Filters {
  status: string;
  q: string;
  sort: string;
  overdue: boolean;
}

const PAGE_SIZE = 25;

/** Every review with its stage, next deadline, overdue flag and each agency's progress. */
export function ReviewListPage() {
  const [draft, setDraft] = useState<Filters>({
    status: 'open',
    q: '',
    sort: '-createdAt',
    overdue: false,
  });
  const [filters, setFilters] = useState(draft);
  // Cursors of the pages before this one, so "Previous" can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];

  const params = {
    status: filters.status,
    q: filters.q.trim(),
    sort: filters.sort,
    overdue: filters.overdue ? 'true' : undefined,
  };
  const reviews = usePoll(
    (signal) => api.reviews(query({ ...params, limit: PAGE_SIZE, cursor }), signal),
    [JSON.stringify(params), cursor],
  );

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };

  return (
    <>
      <h1>Reviews</h1>
      <SummaryPanel />
      <form className="filters" onSubmit={apply} aria-label="Filter reviews">
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          value={draft.status}
          onChange={(e) => setDraft({ ...draft, status: e.target.value })}
        >
          <option value="">Any</option>
          <option value="open">Open</option>
          <option value="closed">Closed</option>
        </select>
        <label htmlFor="filter-q">Model or developer</label>
        <input
          id="filter-q"
          type="search"
          value={draft.q}
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
        />
        <label htmlFor="filter-sort">Sort</label>
        <select
          id="filter-sort"
          value={draft.sort}
          onChange={(e) => setDraft({ ...draft, sort: e.target.value })}
        >
          {REVIEW_SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <input
          id="filter-overdue"
          type="checkbox"
          checked={draft.overdue}
          onChange={(e) => setDraft({ ...draft, overdue: e.target.checked })}
        />
        <label htmlFor="filter-overdue">Overdue only</label>
        <button type="submit">Apply</button>
        <a href={`/reviews.csv${query(params)}`} download>
          Download CSV
        </a>
      </form>
      <ErrorNote error={reviews.error} />
      {reviews.data && reviews.data.items.length === 0 && <p>No reviews match.</p>}
      {reviews.data && reviews.data.items.length > 0 && (
        <table className="reviews">
          <caption className="visually-hidden">Reviews</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Developer</th>
              <th scope="col">Stage</th>
              <th scope="col">Next deadline</th>
              <th scope="col">Escalation</th>
              <th scope="col">Progress by agency</th>
            </tr>
          </thead>
          <tbody>
            {reviews.data.items.map((r) => (
              <tr key={r.id} data-review-id={r.id} className={r.overdue ? 'overdue' : undefined}>
                <th scope="row">
                  <a href={`#/reviews/${r.id}`}>
                    {r.modelName} <span className="muted">{r.modelVersion}</span>
                  </a>
                  <div className="muted small">release {r.plannedReleaseDate}</div>
                </th>
                <td>{r.developerOrg}</td>
                <td>
                  {r.status === 'closed' ? (
                    <>
                      <StatusBadge status="closed" /> {words(r.closureReason)}
                      {r.determination && <div className="small">{words(r.determination)}</div>}
                    </>
                  ) : (
                    words(r.stage)
                  )}
                </td>
                <td>
                  <When iso={r.nextDeadline} /> <OverdueFlag overdue={r.overdue} />
                </td>
                <td>{r.escalationLevel !== undefined ? `L${r.escalationLevel}` : '—'}</td>
                <td>
                  {Object.entries(r.progress).map(([agency, value]) => (
                    <ProgressBar key={agency} agency={agency} value={value} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button
          type="button"
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!reviews.data?.nextCursor}
          onClick={() => setCursors([...cursors, reviews.data?.nextCursor])}
        >
          Next page
        </button>
      </div>
    </>
  );
}
