import { percent } from '../format';

/** One agency's share of steps done, as an accessible progress bar. */
export function ProgressBar({
  agency,
  value,
  showAgency = true,
}: {
  agency: string;
  value: number;
  /** Off where the agency is already named beside the bar (the matrix row). */
  showAgency?: boolean;
}) {
  const pct = percent(value);
  return (
    <div className={`progress-row${showAgency ? '' : ' bare'}`}>
      {showAgency && <span className="progress-label">{agency}</span>}
      <div
        className="progress"
        role="progressbar"
        aria-label={`${agency} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div
          className={`progress-fill${pct === 100 ? ' done' : ''}`}
          style={{ width: `${pct}%` }}
        />
      </div>
      <span className="progress-value">{pct}%</span>
    </div>
  );
}
