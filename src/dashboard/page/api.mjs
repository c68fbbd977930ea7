/**
 * The page's side of the HTTP API: the token from the URL fragment, sent as
 * a bearer header on every request (never a cookie), and as `?token=` on the
 * event streams, which `EventSource` cannot give headers.
 */

/** The token in `#token=…`, or undefined. */
export function readToken() {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
}

/** The session id in `#…&session=…`, or undefined for the table. */
export function readRoute() {
  return new URLSearchParams(window.location.hash.slice(1)).get('session') ?? undefined;
}

/** The fragment for a route, keeping the token. */
export function routeHash(token, session) {
  const params = new URLSearchParams({ token });
  if (session !== undefined) params.set('session', session);
  return `#${params}`;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error;
  }
}

export function createApi(token) {
  const headers = { Authorization: `Bearer ${token}` };
  const answer = async (response) => {
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  };
  return {
    get: (path) => fetch(path, { headers }).then(answer),
    post: (path, body) =>
      fetch(path, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      }).then(answer),
    events: (query = '') =>
      new EventSource(`api/events?token=${encodeURIComponent(token)}${query}`),
  };
}

/** `api/sessions/<id>` with the id encoded; relative, so the page works under a proxy's path prefix. */
export const sessionPath = (id, rest = '') => `api/sessions/${encodeURIComponent(id)}${rest}`;
