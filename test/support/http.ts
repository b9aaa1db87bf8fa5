/** JSON over HTTP against the API a test started; `baseUrl` is read on every call. */
export function apiClient(baseUrl: () => string) {
  return {
    get: (path: string) => fetch(`${baseUrl()}${path}`),
    post: (path: string, body: unknown) =>
      fetch(`${baseUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}
