import { useState } from 'react';
import { api, type Actor } from '../api';

/** Acknowledge an open escalation on the record, as the acting user. */
export function AcknowledgeButton(props: {
  reviewId: string;
  escalationId: string;
  subject: string;
  actor: Actor;
  onDone(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const acknowledge = async () => {
    if (!props.actor.id) {
      setError('Paste your token (top right) first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.acknowledge(props.reviewId, props.escalationId);
      props.onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        onClick={() => void acknowledge()}
        disabled={busy}
        aria-label={`Acknowledge: ${props.subject}`}
      >
        {busy ? 'Acknowledging…' : 'Acknowledge'}
      </button>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
