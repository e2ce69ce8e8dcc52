// Talking to `mandate serve` from the page: same origin, the session cookie
// (HttpOnly: this code never sees it), the CSRF token on every call that
// changes something, and the server's {"error": "..."} shown as it is.

let csrfToken = '';
let onSignedOut = () => {};

export function setCsrfToken(token) {
  csrfToken = token ?? '';
}

// Called when the server says the session is gone (401 on an API call).
export function onSessionEnded(handler) {
  onSignedOut = handler;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, `The server could not be reached (${e.message}).`);
  }
  if (res.status === 401 && !path.startsWith('/console/')) onSignedOut();
  return res;
}

async function failure(res) {
  let message = `${res.status} ${res.statusText}`;
  try {
    const answer = await res.json();
    if (answer && typeof answer.error === 'string') message = answer.error;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message);
}

// JSON in, JSON out; 204 gives null.
export async function api(method, path, body) {
  const res = await send(method, path, body);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  return res.json();
}

// The body as text (the checkpoint, a ledger entry's exact canonical bytes).
export async function apiText(path) {
  const res = await send('GET', path);
  if (!res.ok) throw await failure(res);
  return res.text();
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);

// A query string from the fields that have a value.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
