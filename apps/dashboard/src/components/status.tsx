import type { ReactNode } from 'react';
import { relative, utc, words } from '../format';

export function Badge({
  tone,
  children,
}: {
  tone?: 'bad' | 'warn' | 'good' | 'muted';
  children: ReactNode;
}) {
  return <span className={`badge${tone ? ` ${tone}` : ''}`}>{children}</span>;
}

const TONES: Record<string, 'bad' | 'warn' | 'good' | 'muted'> = {
  open: 'warn',
  running: 'warn',
  done: 'good',
  met: 'good',
  completed: 'good',
  acknowledged: 'good',
  granted: 'good',
  failed: 'bad',
  missed: 'bad',
  exhausted: 'bad',
  refused: 'bad',
  blocked: 'muted',
  skipped: 'muted',
  cancelled: 'muted',
  closed: 'muted',
  pending: 'warn',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status]}>{words(status)}</Badge>;
}

/** "Overdue" with how far past, or nothing. */
export function OverdueFlag({ overdue, passedBy }: { overdue: boolean; passedBy?: number }) {
  if (!overdue) return null;
  return (
    <Badge tone="bad">
      {passedBy ? `passed by ${passedBy} business day${passedBy === 1 ? '' : 's'}` : 'overdue'}
    </Badge>
  );
}

export function When({ iso }: { iso?: string }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {utc(iso)} <span className="muted">({relative(iso)})</span>
    </time>
  );
}

/** The error of a failed load or action, announced to screen readers. */
export function ErrorNote({ error }: { error?: string }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}
