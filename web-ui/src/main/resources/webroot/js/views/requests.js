import { api } from '../api.js';
import { h, bar, empty, announce, append } from '../dom.js';
import { ms, bytes, time, num, windowText } from '../format.js';
import { state, go } from '../router.js';
import { openLive, MISSED_LIMIT } from '../live.js';

const FILTERS = [
  { name: 'from', label: 'From', utc: true, placeholder: 'YYYY-MM-DD HH:MM', hint: 'UTC' },
  { name: 'to', label: 'To', utc: true, placeholder: 'YYYY-MM-DD HH:MM', hint: 'UTC' },
  { name: 'route', label: 'Route', placeholder: '/orders/{id}' },
  { name: 'url', label: 'URL contains', placeholder: 'checkout' },
  { name: 'method', label: 'Method', options: ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] },
  { name: 'status', label: 'Status', placeholder: '5xx, 404, 400-499' },
  { name: 'host', label: 'Host', placeholder: 'web01' },
  { name: 'min_duration', label: 'Min duration (ms)', type: 'number', min: 0 },
  { name: 'max_duration', label: 'Max duration (ms)', type: 'number', min: 0 },
  { name: 'correlation_id', label: 'Correlation id' },
  { name: 'fatal', label: 'Fatal error', options: ['', 'true', 'false'], names: { '': 'any', true: 'yes', false: 'no' } },
  { name: 'limit', label: 'Rows per page', options: ['25', '50', '100', '200'] },
];

/** Filters set by links from the window analysis; shown as removable chips rather than form fields. */
const KEY_FILTERS = [
  { name: 'sql_fingerprint', label: 'ran the SQL statement with fingerprint' },
  { name: 'function', label: 'had self time in the function' },
];

const COLUMNS = [
  { key: 'event_time_ms', label: 'Time', server: 'time' },
  { key: 'route', label: 'Route' },
  { key: 'method', label: 'Method' },
  { key: 'status', label: 'Status', cls: 'num' },
  { key: 'duration_ms', label: 'Duration', server: 'duration', cls: 'duration' },
  { key: 'sql_count', label: 'SQL', cls: 'num' },
  { key: 'memory_peak_bytes', label: 'Memory', cls: 'num' },
  { key: 'host', label: 'Host' },
];

// Times are typed and shown as ISO UTC, "2026-11-30 21:04" (a datetime-local field would show the browser's locale
// format, e.g. 12-hour, while meaning UTC).
function toUtcInput(value) {
  const n = timeBound(value);
  if (n === null) return value || '';
  const iso = new Date(n).toISOString();
  return iso.slice(0, n % 60000 === 0 ? 16 : 19).replace('T', ' ');
}

/** "2026-11-30 21:04[:05]" (UTC) as an ISO instant; anything else is passed on for the server to reject. */
function fromUtcInput(value) {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?Z?$/.exec(value);
  return m ? m[1] + 'T' + m[2] + (m[3] || ':00') + 'Z' : value;
}

function windowNote(params) {
  const from = timeBound(params.get('from'));
  const to = timeBound(params.get('to'));
  if (from === null || to === null || from >= to) return null;
  return h('p', { class: 'note', id: 'list-window' }, 'Window: ' + windowText(from, to));
}

export async function renderRequests(main, params) {
  const sort = params.get('sort') || 'time';
  const order = params.get('order') || 'desc';
  const form = filterForm(params);
  const status = h('p', { class: 'muted', id: 'result-status' });
  const tbody = h('tbody');
  const liveToggle = h('input', { type: 'checkbox', id: 'live-toggle' });
  const liveState = h('span', { class: 'muted', id: 'live-state' }, 'off');
  const liveGap = h('div', { class: 'alert warn live-gap', id: 'live-gap', role: 'status', hidden: true });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pagination' });
  const heading = h('h1', null, 'Slow requests');
  const keyFilters = KEY_FILTERS.filter((f) => params.get(f.name));
  const matchKeys = keyFilters.length ? keyFilterMatcher(params) : null;
  // append() skips the notes that do not apply (Element.append would render null as text)
  append(main, [h('div', { class: 'page-head' }, heading,
    h('label', { class: 'live', for: 'live-toggle' }, liveToggle, ' Live: prepend new slow requests ', liveState)),
  liveGap, form, windowNote(params), activeKeyFilters(params, keyFilters), h('section', { class: 'panel', 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title', class: 'sr-only' }, 'Results'), status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data requests', id: 'requests-table' },
      h('thead', null, h('tr', null, COLUMNS.map((c) => headerCell(c, params, sort, order, tbody)))), tbody)),
    pager)]);

  // live mode works from the first moment: a click before the list has loaded is not lost
  let maxDuration = 1;
  let live = null;
  liveToggle.addEventListener('change', () => {
    if (liveToggle.checked) {
      const onRequest = async (item, replayed) => {
        const verdict = replayed ? (matchKeys ? await matchKeys.matches(item) : true)
          : await liveMatches(item, params, matchKeys);
        if (!verdict || !live) return;
        const tr = row(item, Math.max(maxDuration, item.duration_ms || 0));
        tr.classList.add('fresh');
        placeLiveRow(tbody, tr, Number(item.id));
        while (tbody.children.length > 500) tbody.lastChild.remove();
        announce('New slow request: ' + (item.method || '') + ' ' + (item.route || ''));
      };
      live = openLive(state.project, missedFilters(params), {
        onRequest,
        onState: (s) => { liveState.textContent = s; },
        onGap: (gap) => showGap(liveGap, gap, params),
      });
    } else if (live) {
      live.close();
      live = null;
      liveState.textContent = 'off';
    }
  });
  state.cleanup = () => {
    if (live) live.close();
    if (matchKeys) matchKeys.stop();
  };

  const query = Object.fromEntries(params);
  query.project = state.project;
  delete query.prev;
  let page;
  try {
    page = await api.get('/api/requests', query);
  } catch (e) {
    status.textContent = e.status === 400 ? 'Invalid filter: ' + e.message : 'Could not load requests: ' + e.message;
    status.className = 'error';
    status.setAttribute('role', 'alert');
    return;
  }
  maxDuration = Math.max(1, ...page.items.map((i) => i.duration_ms || 0));
  for (const item of page.items) tbody.append(row(item, maxDuration));
  status.textContent = page.items.length === 0 ? 'No requests match these filters.'
    : page.items.length + ' requests' + (page.next_cursor ? ' (more on the next page)' : '');
  if (page.items.length === 0) tbody.append(h('tr', null, h('td', { colspan: COLUMNS.length }, empty('Nothing here yet.'))));
  pagerLinks(pager, params, page.next_cursor);
  announce(status.textContent);
}

/**
 * Live rows stand above the loaded page, newest stored (highest id) first. A verdict may take a server round trip
 * (URL, SQL fingerprint or function filters), so rows can be ready out of order: each goes to its place by id
 * instead of waiting for the verdicts of the requests stored before it.
 */
function placeLiveRow(tbody, tr, id) {
  for (const other of tbody.querySelectorAll('tr.fresh[data-id]')) {
    if (Number(other.dataset.id) < id) {
      other.before(tr);
      return;
    }
  }
  const firstLoaded = tbody.querySelector('tr:not(.fresh)');
  if (firstLoaded) firstLoaded.before(tr); else tbody.append(tr);
}

/** The list's filters on a request's own columns: the server applies them to the requests live mode missed. */
const MISSED_FILTERS = ['from', 'to', 'route', 'url', 'method', 'status', 'host', 'min_duration', 'max_duration',
  'correlation_id', 'fatal'];

function missedFilters(params) {
  return Object.fromEntries(MISSED_FILTERS.filter((name) => params.get(name)).map((name) => [name, params.get(name)]));
}

/** Live mode could not replay everything stored while it was disconnected: the list must be reloaded. */
function showGap(box, gap, params) {
  box.replaceChildren(h('p', null, gap.more
    ? 'More requests were stored while live mode was disconnected than it replays (' + MISSED_LIMIT + '): '
      + 'some are missing from this list.'
    : 'The requests stored while live mode was disconnected could not be read (' + gap.error + '): some may be '
      + 'missing from this list.', ' ',
  h('button', { type: 'button', id: 'live-gap-reload', onclick: () => {
    const p = Object.fromEntries(params);
    delete p.cursor;
    delete p.prev;
    go('/requests', { ...p, project: state.project });
  } }, 'Reload the list')));
  box.hidden = false;
  announce(box.textContent);
}

function statusMatches(status, filter) {
  if (status === null || status === undefined) return false;
  const text = filter.trim().toLowerCase();
  const cls = /^([1-5])xx$/.exec(text);
  if (cls) return Math.floor(status / 100) === Number(cls[1]);
  const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(text);
  if (range) return status >= Number(range[1]) && status <= Number(range[2]);
  return String(status) === text;
}

function timeBound(value) {
  if (!value) return null;
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(n) ? null : n;
}

/**
 * Whether a live request passes every filter of the list. The live message carries no URL, so with a URL filter
 * the server answers for that one request (the same filters plus its correlation id).
 */
async function liveMatches(item, params, matchKeys) {
  const p = (name) => params.get(name);
  const duration = item.duration_ms || 0;
  const from = timeBound(p('from'));
  const to = timeBound(p('to'));
  const checks = [
    !p('route') || item.route === p('route'),
    !p('method') || String(item.method || '').toUpperCase() === p('method').toUpperCase(),
    !p('status') || statusMatches(item.status, p('status')),
    !p('host') || item.host === p('host'),
    !p('min_duration') || duration >= Number(p('min_duration')),
    !p('max_duration') || duration <= Number(p('max_duration')),
    !p('correlation_id') || item.correlation_id === p('correlation_id'),
    !p('fatal') || String(Boolean(item.fatal)) === p('fatal'),
    from === null || item.event_time_ms >= from,
    to === null || item.event_time_ms < to,
  ];
  if (checks.includes(false)) return false;
  if (matchKeys) return matchKeys.matches(item);
  if (!p('url')) return true;
  if (!item.correlation_id) return false;
  try {
    const query = Object.fromEntries(params);
    for (const key of ['cursor', 'prev', 'sort', 'order', 'limit']) delete query[key];
    const page = await api.get('/api/requests', { ...query, project: state.project, correlation_id: item.correlation_id, limit: 5 });
    return page.items.some((i) => i.id === item.id);
  } catch (e) {
    return false;
  }
}

/**
 * With a SQL fingerprint or function filter, a live request can only be checked once the rollup has indexed it
 * (usually well under a second after it is stored). Pending requests are looked up together, once a second, with
 * every filter of the list; one not found within 15 s does not match.
 */
function keyFilterMatcher(params) {
  const pending = new Map();
  let timer = null;
  let stopped = false;
  const schedule = (delay) => { if (!timer && !stopped && pending.size) timer = setTimeout(check, delay); };
  async function check() {
    timer = null;
    const oldest = Math.min(...[...pending.values()].map((w) => w.item.event_time_ms));
    const query = Object.fromEntries(params);
    for (const key of ['cursor', 'prev', 'sort', 'order', 'limit']) delete query[key];
    const listFrom = timeBound(query.from);
    query.from = String(listFrom === null ? oldest : Math.max(oldest, listFrom));
    try {
      const page = await api.get('/api/requests', { ...query, project: state.project, sort: 'time', order: 'asc', limit: 200 });
      for (const found of page.items) {
        const waiting = pending.get(found.id);
        if (waiting) { pending.delete(found.id); waiting.resolve(true); }
      }
    } catch (e) {
      // looked up again on the next round, until the request's deadline
    }
    const now = Date.now();
    for (const [id, waiting] of pending) if (now > waiting.deadline) { pending.delete(id); waiting.resolve(false); }
    schedule(1000);
  }
  return {
    matches: (item) => new Promise((resolve) => {
      pending.set(item.id, { item, resolve, deadline: Date.now() + 15000 });
      schedule(500);
    }),
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const waiting of pending.values()) waiting.resolve(false);
      pending.clear();
    },
  };
}

function headerCell(column, params, sort, order, tbody) {
  const th = h('th', { scope: 'col', class: column.cls });
  if (column.server) {
    const active = sort === column.server;
    th.setAttribute('aria-sort', active ? (order === 'asc' ? 'ascending' : 'descending') : 'none');
    const next = active && order === 'desc' ? 'asc' : 'desc';
    th.append(h('button', { type: 'button', class: 'sort', title: 'Sort by ' + column.label.toLowerCase() + ' (server-side)',
      onclick: () => {
        const p = Object.fromEntries(params);
        delete p.cursor;
        go('/requests', { ...p, project: state.project, sort: column.server, order: next });
      } }, column.label, active ? (order === 'asc' ? ' ▲' : ' ▼') : ''));
  } else {
    th.setAttribute('aria-sort', 'none');
    th.append(h('button', { type: 'button', class: 'sort', title: 'Sort this page by ' + column.label.toLowerCase(),
      onclick: () => sortPage(tbody, column.key, th) }, column.label));
  }
  return th;
}

function sortPage(tbody, key, th) {
  const ascending = th.getAttribute('aria-sort') !== 'ascending';
  const rows = [...tbody.querySelectorAll('tr[data-id]')];
  rows.sort((a, b) => {
    const x = a.__item[key];
    const y = b.__item[key];
    const cmp = (x === null || x === undefined) ? 1 : (y === null || y === undefined) ? -1
      : typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
    return ascending ? cmp : -cmp;
  });
  for (const other of th.parentElement.children) other.setAttribute('aria-sort', 'none');
  th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  rows.forEach((r) => tbody.append(r));
}

function row(item, maxDuration) {
  const link = h('a', { href: '#/requests/' + Number(item.id) + '?project=' + encodeURIComponent(item.project) },
    time(item.event_time_ms));
  const statusClass = item.status >= 500 ? 'bad' : item.status >= 400 ? 'warn' : '';
  const tr = h('tr', { 'data-id': Number(item.id) },
    h('td', { class: 'nowrap' }, link, item.event_time_estimated ? h('span', { class: 'badge', title: 'receive time' }, 'est.') : null),
    h('td', { class: 'route' }, h('span', { class: 'route-text', title: item.url || '' }, item.route || '–'),
      item.fatal ? h('span', { class: 'badge bad' }, 'fatal') : null),
    h('td', null, item.method || '–'),
    h('td', { class: 'num ' + statusClass }, item.status === null || item.status === undefined ? '–' : String(item.status)),
    h('td', { class: 'duration' }, bar((item.duration_ms || 0) / maxDuration, item.duration_ms > 2000 ? 'hot' : ''),
      h('span', { class: 'num' }, ms(item.duration_ms))),
    h('td', { class: 'num' }, num(item.sql_count)),
    h('td', { class: 'num' }, bytes(item.memory_peak_bytes)),
    h('td', null, item.host || '–'));
  tr.__item = item;
  return tr;
}

function pagerLinks(pager, params, nextCursor) {
  const p = Object.fromEntries(params);
  const history = (p.prev || '').split(',').filter(Boolean);
  if (p.cursor) {
    const back = history.slice(0, -1);
    const prevCursor = history[history.length - 1];
    const first = { ...p, project: state.project };
    delete first.cursor;
    delete first.prev;
    pager.append(h('button', { type: 'button', onclick: () => go('/requests', first) }, '⏮ First page'));
    if (prevCursor && prevCursor !== '-') {
      pager.append(h('button', { type: 'button', onclick: () => go('/requests', { ...p, cursor: prevCursor,
        prev: back.join(',') }) }, '← Previous'));
    }
  }
  if (nextCursor) {
    pager.append(h('button', { type: 'button', class: 'primary', id: 'next-page', onclick: () => go('/requests', { ...p,
      project: state.project, cursor: nextCursor, prev: [...history, p.cursor || '-'].join(',') }) }, 'Next page →'));
  }
}

function activeKeyFilters(params, keyFilters) {
  if (!keyFilters.length) return null;
  return h('div', { class: 'panel key-filters', id: 'key-filters', role: 'status' },
    keyFilters.map((f) => h('p', { class: 'key-filter', 'data-filter': f.name }, 'Only requests that ' + f.label + ' ',
      h('code', { class: f.name === 'function' ? 'fn' : 'mono' }, params.get(f.name)), ' ',
      h('button', { type: 'button', class: 'remove-filter', 'aria-label': 'Remove the filter ' + f.name, onclick: () => {
        const p = Object.fromEntries(params);
        delete p[f.name];
        delete p.cursor;
        delete p.prev;
        go('/requests', { ...p, project: state.project });
      } }, '✕ remove'))),
    h('p', { class: 'note' }, 'This filter covers the requests the rollup has processed: a request received in the last '
      + 'seconds (or while the rollup catches up) may be missing; in live mode a new request appears once the rollup '
      + 'has processed it.'));
}

function filterForm(params) {
  const fields = FILTERS.map((f) => {
    const id = 'f-' + f.name;
    let input;
    if (f.options) {
      input = h('select', { id, name: f.name }, f.options.map((o) => h('option', { value: o },
        f.names ? f.names[o] : (o || 'any'))));
      input.value = params.get(f.name) || (f.name === 'limit' ? '50' : '');
    } else {
      input = h('input', { id, name: f.name, type: f.type || 'text', placeholder: f.placeholder, min: f.min });
      input.value = f.utc ? toUtcInput(params.get(f.name)) : (params.get(f.name) || '');
    }
    return h('div', { class: 'field' }, h('label', { for: id }, f.label, f.hint ? h('span', { class: 'muted' }, ' (' + f.hint + ')') : null), input);
  });
  const form = h('form', { class: 'filters panel', id: 'filters', role: 'search', 'aria-label': 'Filter requests' },
    h('div', { class: 'grid' }, fields),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('button', { type: 'reset', onclick: (e) => { e.preventDefault(); go('/requests', { project: state.project }); } }, 'Reset')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = { project: state.project, sort: params.get('sort'), order: params.get('order') };
    for (const f of KEY_FILTERS) values[f.name] = params.get(f.name);
    for (const f of FILTERS) {
      const v = form.elements[f.name].value.trim();
      values[f.name] = f.utc ? fromUtcInput(v) : v;
    }
    if (values.limit === '50') delete values.limit;
    go('/requests', values);
  });
  return form;
}
