// Hash routing shared by the app and its views: every view has a shareable URL
// (#/requests?project=shop&sort=duration, #/requests/42, ...). Views import this module, never app.js.
export const state = { me: null, project: null, cleanup: null };

let navigate = () => {};

/** The app's handler that renders the view of the current hash. */
export function onNavigate(handler) {
  navigate = handler;
}

export function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/overview';
  const [path, search] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search || '') };
}

export function go(path, params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') search.set(k, v);
  }
  const text = search.toString();
  const target = '#' + path + (text ? '?' + text : '');
  if (location.hash === target) navigate(); else location.hash = target;
}
