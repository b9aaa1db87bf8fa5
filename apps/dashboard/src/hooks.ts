import { useCallback, useEffect, useRef, useState } from 'react';
import { api, hasBearerToken, setBearerToken, type Actor } from './api';

export const POLL_MS = 2000;

export interface Polled<T> {
  data?: T;
  error?: string;
  /** When the data last arrived (for the "updated" note). */
  updatedAt?: Date;
  refresh(): void;
}

/**
 * Load now, then again `intervalMs` after each answer (never two requests at once), while the
 * tab is visible. A change in `deps` starts over; the last data stays until the new data comes.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  intervalMs = POLL_MS,
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refresh'>>({});
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const run = async () => {
      // Without a token every call would be refused (and audited): wait for one.
      if (!document.hidden && hasBearerToken()) {
        try {
          const data = await loadRef.current(controller.signal);
          if (!stopped) setState({ data, updatedAt: new Date() });
        } catch (err) {
          if (!stopped && !controller.signal.aborted)
            setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
        }
      }
      if (!stopped) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refresh };
}

/** The hash route as path segments: `#/inbox/caisi` → ['inbox', 'caisi']. */
export function useHashRoute(): string[] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

const TOKEN_KEY = 'review-engine.token';

/**
 * Who the page acts as: the bearer token pasted into the "Token" field (kept in
 * localStorage), resolved by the API. Identity comes from the token alone.
 */
export function useActingAs(): [Actor, (token: string) => Promise<void>] {
  const [actor, setActor] = useState<Actor>({ id: '' });
  const use = useCallback(async (token: string) => {
    setBearerToken(token);
    if (!token) {
      localStorage.removeItem(TOKEN_KEY);
      setActor({ id: '' });
      return;
    }
    try {
      const me = await api.me();
      localStorage.setItem(TOKEN_KEY, token);
      setActor({ id: me.sub, agency: me.agency, role: me.role });
    } catch (err) {
      setBearerToken('');
      setActor({ id: '' });
      throw err;
    }
  }, []);
  useEffect(() => {
    const stored = localStorage.getItem(TOKEN_KEY);
    if (stored) use(stored).catch(() => localStorage.removeItem(TOKEN_KEY));
  }, [use]);
  return [actor, use];
}
