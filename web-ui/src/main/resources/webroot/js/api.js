// Thin fetch wrapper: same-origin cookies, the CSRF header on state-changing calls, JSON errors as exceptions.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Bitville-Request'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/login') onUnauthorized();
    throw new ApiError(response.status, json);
  }
  return json;
}

export const api = {
  get: (path, params) => call('GET', path + query(params)),
  post: (path, body) => call('POST', path, body),
};

export function query(params) {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') search.set(k, v);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
