import { useState } from 'react';
import { api, type Actor, type ReviewDetail, type TimelineEvent } from '../api';
import { AcknowledgeButton } from '../components/acknowledge-button';
import { ProgressBar } from '../components/progress-bar';
import { ErrorNote, OverdueFlag, StatusBadge, When } from '../components/status';
import { words } from '../format';
import { usePoll } from '../hooks';

/** One review: the agency × step matrix, deadlines, escalations and the timeline. */
export function ReviewPage({ id, actor }: { id: string; actor: Actor }) {
  const review = usePoll((signal) => api.review(id, signal), [id]);
  const r = review.data;
  return (
    <>
      <p>
        <a href="#/">← All reviews</a>
      </p>
      <ErrorNote error={review.error} />
      {r && (
        <>
          <h1>
            {r.modelName} <span className="muted">{r.modelVersion}</span>
          </h1>
          <dl className="facts">
            <div>
              <dt>Developer</dt>
              <dd>{r.developerOrg}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={r.status} />{' '}
                {r.status === 'closed' ? words(r.closureReason) : words(r.stage)}
              </dd>
            </div>
            <div>
              <dt>Protocol</dt>
              <dd>{r.protocol}</dd>
            </div>
            <div>
              <dt>Planned release</dt>
              <dd>{r.plannedReleaseDate}</dd>
            </div>
            <div>
              <dt>Next deadline</dt>
              <dd>
                <When iso={r.nextDeadline} /> <OverdueFlag overdue={r.overdue} />
              </dd>
            </div>
            {r.designation && (
              <div>
                <dt>Designation</dt>
                <dd>{words(r.designation)}</dd>
              </div>
            )}
            {r.determination && (
              <div>
                <dt>Advisory determination</dt>
                <dd>{words(r.determination)}</dd>
              </div>
            )}
          </dl>
          <Matrix review={r} />
          <Deadlines review={r} />
          <Escalations review={r} actor={actor} onDone={review.refresh} />
          <Timeline events={r.timeline} />
        </>
      )}
    </>
  );
}

function Matrix({ review }: { review: ReviewDetail }) {
  const width = Math.max(1, ...review.workstreams.map((w) => w.steps.length));
  return (
    <section aria-labelledby="matrix-heading">
      <h2 id="matrix-heading">Agencies and steps</h2>
      <div className="scroll">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col">Agency</th>
              <th scope="col">Progress</th>
              {Array.from({ length: width }, (_, i) => (
                <th scope="col" key={i}>
                  Step {i + 1}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {review.workstreams.map((w) => (
              <tr key={w.agency} data-agency={w.agency}>
                <th scope="row">
                  {w.agency} <div className="muted small">{w.role}</div>
                </th>
                <td>
                  <ProgressBar agency={w.agency} value={w.progress} showAgency={false} />
                </td>
                {Array.from({ length: width }, (_, i) => {
                  const s = w.steps[i];
                  if (!s) return <td key={i} className="empty" />;
                  const passed = s.passedByBusinessDays ?? 0;
                  const late =
                    (s.status === 'open' || s.status === 'running') &&
                    !!s.dueAt &&
                    Date.parse(s.dueAt) < Date.now();
                  return (
                    <td
                      key={s.stepId}
                      data-step={s.stepId}
                      className={late ? 'overdue' : undefined}
                    >
                      <div className="step-title">{s.title}</div>
                      <StatusBadge status={s.status} />{' '}
                      <span className="muted small">{s.kind}</span>
                      {s.riskLevel && <div className="small">risk: {s.riskLevel}</div>}
                      {s.dueAt && (
                        <div className="small">
                          due <When iso={s.dueAt} />
                        </div>
                      )}
                      {passed > 0 && (
                        <div>
                          <OverdueFlag overdue passedBy={passed} />
                        </div>
                      )}
                      {late && passed === 0 && (
                        <div>
                          <OverdueFlag overdue />
                        </div>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Deadlines({ review }: { review: ReviewDetail }) {
  return (
    <section aria-labelledby="deadlines-heading">
      <h2 id="deadlines-heading">Deadlines and extensions</h2>
      {review.deadlines.length === 0 ? (
        <p className="muted">No deadlines yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Deadline</th>
              <th scope="col">Status</th>
              <th scope="col">Due</th>
              <th scope="col">Extensions</th>
            </tr>
          </thead>
          <tbody>
            {review.deadlines.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  {d.label} <span className="muted small">{d.kind}</span>
                </th>
                <td>
                  <StatusBadge status={d.status} />{' '}
                  {d.clockStopped && <span className="badge muted">clock stopped</span>}{' '}
                  <OverdueFlag
                    overdue={d.passedByBusinessDays > 0}
                    passedBy={d.passedByBusinessDays}
                  />
                </td>
                <td>
                  <When iso={d.dueAt} />
                </td>
                <td>
                  {d.extensions.length === 0
                    ? '—'
                    : d.extensions.map((x) => (
                        <div key={x.id}>
                          <StatusBadge status={x.status} /> {x.justification}{' '}
                          <span className="muted small">by {x.requestedBy}</span>
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Escalations({
  review,
  actor,
  onDone,
}: {
  review: ReviewDetail;
  actor: Actor;
  onDone(): void;
}) {
  return (
    <section aria-labelledby="escalations-heading">
      <h2 id="escalations-heading">Escalations</h2>
      {review.escalations.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Level</th>
              <th scope="col">Status</th>
              <th scope="col">Climbs</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {review.escalations.map((e) => (
              <tr key={e.id}>
                <th scope="row">
                  {e.subject} <div className="muted small">{words(e.trigger)}</div>
                </th>
                <td>
                  L{e.level} {e.levelName}
                </td>
                <td>
                  <StatusBadge status={e.status} />{' '}
                  {e.acknowledgedBy && <span className="small">by {e.acknowledgedBy}</span>}
                </td>
                <td>{e.status === 'open' ? <When iso={e.dueAt} /> : '—'}</td>
                <td>
                  {e.status === 'open' && review.status === 'open' && (
                    <AcknowledgeButton
                      reviewId={review.id}
                      escalationId={e.id}
                      subject={e.subject}
                      actor={actor}
                      onDone={onDone}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Deadlines, extensions, clock stops and escalations by default; everything on request. */
const RECORD = /^(deadline_|extension_|clock_|escalation_|calendar_|release_date)/;

function Timeline({ events }: { events: TimelineEvent[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? events : events.filter((e) => RECORD.test(e.type));
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <p>
        <input
          id="timeline-all"
          type="checkbox"
          checked={all}
          onChange={(e) => setAll(e.target.checked)}
        />{' '}
        <label htmlFor="timeline-all">
          Show every event (not only deadlines, extensions and escalations)
        </label>
      </p>
      <ol className="timeline" reversed>
        {[...shown].reverse().map((e) => (
          <li
            key={e.seq}
            className={
              e.type.startsWith('escalation') || e.type === 'deadline_missed'
                ? 'bad-edge'
                : undefined
            }
          >
            <When iso={e.at} /> <strong>{words(e.type)}</strong>{' '}
            <span className="muted">by {e.actor}</span>
            {describe(e) && <span> — {describe(e)}</span>}
            {e.reason && <div className="small">“{e.reason}”</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function describe(e: TimelineEvent): string {
  const d = e.details;
  const parts = [
    d.label,
    d.subject,
    d.stage,
    d.agency && d.stepId ? `${String(d.agency)}: ${String(d.stepId)}` : undefined,
    d.levelName,
    d.deadlineId && !d.label ? `deadline ${String(d.deadlineId)}` : undefined,
    d.dueAt ? `due ${String(d.dueAt).slice(0, 16).replace('T', ' ')} UTC` : undefined,
  ];
  return parts
    .filter((p) => p !== undefined && p !== null && p !== '')
    .map(String)
    .join(', ');
}
