import { useState, type FormEvent } from 'react';
import type { Actor } from '../api';

/**
 * The bearer token the page acts with (`npm start` prints one per role). Who that is comes from
 * the API (GET /auth/me), never from anything typed here.
 */
export function ActingAsForm({
  actor,
  onChange,
}: {
  actor: Actor;
  onChange(token: string): Promise<void>;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await onChange(token.trim());
      setToken('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <form className="acting-as" onSubmit={(e) => void submit(e)} aria-label="Who you act as">
      <label htmlFor="acting-as-token">Token</label>
      <input
        id="acting-as-token"
        type="password"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder="paste a bearer token"
        autoComplete="off"
      />
      <button type="submit">Use</button>
      <span role="status" className={error ? 'error' : 'muted'}>
        {error
          ? error
          : actor.id
            ? `Acting as ${actor.id} (${actor.role ?? '?'}${actor.agency ? `, ${actor.agency}` : ''})`
            : 'Not signed in'}
      </span>
    </form>
  );
}
