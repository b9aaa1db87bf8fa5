import { bearer, tokenFor } from './auth';

/**
 * JSON over HTTP against the API a test started; `baseUrl` is read on every call. Requests carry
 * a bearer token: a coordinator's unless `token` (for the client) or `as` (for one call) says
 * otherwise.
 */
export function apiClient(baseUrl: () => string, token?: Promise<string> | string) {
  let fallback: Promise<string> | undefined;
  const auth = async (as?: Promise<string> | string) =>
    bearer(await (as ?? token ?? (fallback ??= tokenFor('coordinator'))));
  return {
    get: async (path: string, as?: Promise<string> | string) =>
      fetch(`${baseUrl()}${path}`, { headers: await auth(as) }),
    post: async (path: string, body: unknown, as?: Promise<string> | string) =>
      fetch(`${baseUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await auth(as)) },
        body: JSON.stringify(body),
      }),
    put: async (path: string, body: unknown, as?: Promise<string> | string) =>
      fetch(`${baseUrl()}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(await auth(as)) },
        body: JSON.stringify(body),
      }),
  };
}
