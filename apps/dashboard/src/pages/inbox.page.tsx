import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, RISK_LEVELS, type Actor, type InboxItem } from '../api';
import { ErrorNote, OverdueFlag, StatusBadge, When } from '../components/status';
import { words } from '../format';
import { usePoll } from '../hooks';

/** An agency's open steps across reviews, due soonest first, with a form to record a finding. */
export function InboxPage({ agency, actor }: { agency?: string; actor: Actor }) {
  const agencies = usePoll((signal) => api.agencies(signal), [], 30_000);
  const inbox = usePoll(
    (signal) => (agency ? api.inbox(agency, signal) : Promise.resolve(undefined)),
    [agency],
  );
  const [selected, setSelected] = useState<InboxItem>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => setSelected(undefined), [agency]);

  return (
    <>
      <h1>Agency inbox{agency ? `: ${agency}` : ''}</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Choose agency">
        <label htmlFor="inbox-agency">Agency</label>
        <select
          id="inbox-agency"
          value={agency ?? ''}
          onChange={(e) =>
            (window.location.hash = e.target.value ? `#/inbox/${e.target.value}` : '#/inbox')
          }
        >
          <option value="">Choose an agency…</option>
          {agency && !agencies.data?.items.some((a) => a.code === agency) && (
            <option value={agency}>{agency}</option>
          )}
          {agencies.data?.items.map((a) => (
            <option key={a.code} value={a.code}>
              {a.code} — {a.name}
            </option>
          ))}
        </select>
      </form>
      <ErrorNote error={inbox.error} />
      <p role="status" className="notice">
        {notice}
      </p>
      {agency && inbox.data && inbox.data.items.length === 0 && <p>Nothing open for {agency}.</p>}
      {inbox.data && inbox.data.items.length > 0 && (
        <table className="inbox">
          <thead>
            <tr>
              <th scope="col">Review</th>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
              <th scope="col">Due</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {inbox.data.items.map((item) => (
              <tr
                key={`${item.reviewId}/${item.stepId}`}
                data-review-id={item.reviewId}
                className={item.overdue ? 'overdue' : undefined}
              >
                <th scope="row">
                  <a href={`#/reviews/${item.reviewId}`}>{item.modelName}</a>{' '}
                  <span className="muted">{item.modelVersion}</span>
                  <div className="muted small">{item.developerOrg}</div>
                </th>
                <td>
                  {item.title}{' '}
                  <div className="muted small">
                    {item.kind}, {words(item.domain)}
                  </div>
                </td>
                <td>
                  <StatusBadge status={item.status} />
                </td>
                <td>
                  <When iso={item.dueAt} />{' '}
                  <OverdueFlag overdue={item.overdue} passedBy={item.passedByBusinessDays} />
                </td>
                <td>
                  {item.kind === 'manual' ? (
                    <button
                      type="button"
                      onClick={() => {
                        setNotice(undefined);
                        setSelected(item);
                      }}
                      aria-label={`Record finding: ${item.title} on ${item.modelName}`}
                    >
                      Record finding
                    </button>
                  ) : (
                    <span className="muted small">run by the agency worker</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && agency && (
        <FindingForm
          key={`${selected.reviewId}/${selected.stepId}`}
          item={selected}
          agency={agency}
          actor={actor}
          onCancel={() => setSelected(undefined)}
          onDone={(text) => {
            setSelected(undefined);
            setNotice(text);
            inbox.refresh();
          }}
        />
      )}
    </>
  );
}

function FindingForm(props: {
  item: InboxItem;
  agency: string;
  actor: Actor;
  onCancel(): void;
  onDone(notice: string): void;
}) {
  const { item } = props;
  const [riskLevel, setRiskLevel] = useState<string>('low');
  const [summary, setSummary] = useState('');
  const [rationale, setRationale] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; fields: string[] }>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const needsRationale = riskLevel === 'high' || riskLevel === 'critical';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!props.actor.id) {
      setError({
        message: 'Paste your token (top right) first: findings are recorded under its name.',
        fields: [],
      });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.submitFinding(item.reviewId, {
        agency: props.agency,
        stepId: item.stepId,
        riskLevel,
        summary,
        rationale: rationale.trim() || undefined,
      });
      props.onDone(`Finding recorded for ${item.title} on ${item.modelName}.`);
    } catch (err) {
      setError(
        err instanceof ApiError
          ? { message: err.message, fields: err.errors.map((f) => f.field) }
          : { message: String(err), fields: [] },
      );
    } finally {
      setBusy(false);
    }
  };
  const invalid = (field: string) => error?.fields.includes(field) || undefined;

  return (
    <section className="panel" aria-labelledby="finding-heading">
      <h2 id="finding-heading" ref={heading} tabIndex={-1}>
        Finding: {item.title} on {item.modelName}
      </h2>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'finding-error' : undefined}>
        <div className="field">
          <label htmlFor="finding-risk">Risk level</label>
          <select
            id="finding-risk"
            value={riskLevel}
            onChange={(e) => setRiskLevel(e.target.value)}
            aria-invalid={invalid('riskLevel')}
          >
            {RISK_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="finding-summary">Summary</label>
          <input
            id="finding-summary"
            value={summary}
            onChange={(e) => setSummary(e.target.value)}
            required
            maxLength={5000}
            aria-invalid={invalid('summary')}
          />
        </div>
        <div className="field">
          <label htmlFor="finding-rationale">
            Rationale {needsRationale ? '(required for high and critical)' : '(optional)'}
          </label>
          <textarea
            id="finding-rationale"
            value={rationale}
            onChange={(e) => setRationale(e.target.value)}
            required={needsRationale}
            rows={4}
            aria-invalid={invalid('rationale')}
          />
        </div>
        <p className="muted small">
          Recorded as {props.actor.id || '(nobody: paste a token)'} for {props.agency}.
        </p>
        {error && (
          <p id="finding-error" className="error" role="alert">
            {error.message}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit finding'}
        </button>{' '}
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </form>
    </section>
  );
}
