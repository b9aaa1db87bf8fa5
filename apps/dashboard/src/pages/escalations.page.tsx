import { useState } from 'react';
import { api, ESCALATION_TRIGGERS, query, type Actor } from '../api';
import { AcknowledgeButton } from '../components/acknowledge-button';
import { ErrorNote, When } from '../components/status';
import { words } from '../format';
import { usePoll } from '../hooks';

/** Open escalations across reviews, highest level and oldest first. */
export function EscalationsPage({ actor }: { actor: Actor }) {
  const [level, setLevel] = useState('');
  const [trigger, setTrigger] = useState('');
  const queue = usePoll(
    (signal) => api.escalations(query({ level, trigger }), signal),
    [level, trigger],
  );

  return (
    <>
      <h1>Escalations</h1>
      <form
        className="filters"
        onSubmit={(e) => e.preventDefault()}
        aria-label="Filter escalations"
      >
        <label htmlFor="esc-level">Level</label>
        <select id="esc-level" value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value="">Any</option>
          {[0, 1, 2, 3, 4].map((l) => (
            <option key={l} value={l}>
              L{l}
            </option>
          ))}
        </select>
        <label htmlFor="esc-trigger">Trigger</label>
        <select id="esc-trigger" value={trigger} onChange={(e) => setTrigger(e.target.value)}>
          <option value="">Any</option>
          {ESCALATION_TRIGGERS.map((t) => (
            <option key={t} value={t}>
              {words(t)}
            </option>
          ))}
        </select>
      </form>
      <ErrorNote error={queue.error} />
      {queue.data && queue.data.items.length === 0 && <p>No open escalations.</p>}
      {queue.data && queue.data.items.length > 0 && (
        <table className="escalations">
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Subject</th>
              <th scope="col">Review</th>
              <th scope="col">Raised</th>
              <th scope="col">Climbs</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {queue.data.items.map((e) => (
              <tr
                key={`${e.reviewId}/${e.escalationId}`}
                data-review-id={e.reviewId}
                data-escalation-id={e.escalationId}
              >
                <td>
                  <strong>L{e.level}</strong> <div className="small">{e.levelName}</div>
                </td>
                <th scope="row">
                  {e.subject} <div className="muted small">{words(e.trigger)}</div>
                </th>
                <td>
                  <a href={`#/reviews/${e.reviewId}`}>{e.modelName}</a>
                  <div className="muted small">
                    {e.developerOrg}, {words(e.stage)}
                  </div>
                </td>
                <td>
                  <When iso={e.raisedAt} />
                </td>
                <td>
                  <When iso={e.dueAt} />
                </td>
                <td>
                  <AcknowledgeButton
                    reviewId={e.reviewId}
                    escalationId={e.escalationId}
                    subject={e.subject}
                    actor={actor}
                    onDone={queue.refresh}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
