import { api } from '../api';
import { days, words } from '../format';
import { usePoll } from '../hooks';
import { ErrorNote } from './status';

/** Open reviews by stage, overdue steps by agency, median time per stage. */
export function SummaryPanel() {
  const summary = usePoll((signal) => api.summary(signal), []);
  const s = summary.data;
  return (
    <section className="summary" aria-labelledby="summary-heading">
      <h2 id="summary-heading" className="visually-hidden">
        Summary
      </h2>
      <ErrorNote error={summary.error} />
      {s && (
        <div className="cards">
          <div className="card">
            <h3>Open by stage</h3>
            <dl>
              {s.openByStage.map((x) => (
                <div key={x.stage}>
                  <dt>{words(x.stage)}</dt>
                  <dd>{x.count}</dd>
                </div>
              ))}
            </dl>
          </div>
          <div className="card">
            <h3>Overdue steps</h3>
            {s.overdueStepsByAgency.length === 0 ? (
              <p className="muted">None</p>
            ) : (
              <dl>
                {s.overdueStepsByAgency.map((x) => (
                  <div key={x.agency}>
                    <dt>
                      <a href={`#/inbox/${x.agency}`}>{x.agency}</a>
                    </dt>
                    <dd className="bad-text">{x.overdueSteps}</dd>
                  </div>
                ))}
              </dl>
            )}
          </div>
          <div className="card">
            <h3>Median time per stage</h3>
            {s.medianDaysPerStage.length === 0 ? (
              <p className="muted">No stage finished yet</p>
            ) : (
              <dl>
                {s.medianDaysPerStage.map((x) => (
                  <div key={x.stage}>
                    <dt>{words(x.stage)}</dt>
                    <dd title={`${x.samples} review(s)`}>{days(x.medianDays)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
