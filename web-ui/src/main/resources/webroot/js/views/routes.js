import { api } from '../api.js';
import { h, bar, table, section, empty, announce } from '../dom.js';
import { ms, num, windowText } from '../format.js';
import { state, go } from '../router.js';

const WINDOWS = { '1h': 3600e3, '3h': 3 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
const COLUMNS = [
  { key: 'route', label: 'Route' }, { key: 'count', label: 'Requests', cls: 'num' }, { key: 'p50', label: 'p50', cls: 'num' },
  { key: 'p95', label: 'p95', cls: 'num' }, { key: 'p99', label: 'p99', cls: 'num' }, { key: 'max', label: 'Max', cls: 'num' },
  { key: 'total', label: 'Total time', cls: 'num' },
];

export async function renderRoutes(main, params) {
  const selected = selectedWindow(params);
  const window = WINDOWS[params.get('window')] ? params.get('window') : '24h';
  const to = selected ? selected.to : params.get('to') ? Number(params.get('to')) : Date.now();
  const from = selected ? selected.from : to - WINDOWS[window];
  const picker = h('select', { id: 'route-window' }, selected ? h('option', { value: '' }, 'the selected window') : null,
    Object.keys(WINDOWS).map((w) => h('option', { value: w }, 'last ' + w)));
  picker.value = selected ? '' : window;
  picker.addEventListener('change', () => go('/routes', { project: state.project, window: picker.value }));
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Routes'),
    h('label', { for: 'route-window' }, 'Window ', picker)));
  const data = await api.get('/api/routes', { project: state.project, from, to });
  const windowParams = { from: data.from_ms, to: data.to_ms };
  const note = (data.approximate ? 'Percentiles from hourly histograms (about ±5 %), whole hours ' : 'Exact, ')
    + windowText(data.from_ms, data.to_ms) + '.';
  const histogramPanel = section('Latency histogram', empty('Select a route to see its latency histogram.'));
  const tbody = h('tbody');
  let sortKey = 'total';
  let ascending = false;
  const maxTotal = Math.max(1, ...data.routes.map((r) => r.total));
  const render = () => {
    const rows = [...data.routes].sort((a, b) => {
      const x = a[sortKey];
      const y = b[sortKey];
      const cmp = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? cmp : -cmp;
    });
    tbody.replaceChildren(...rows.map((r) => h('tr', { class: r.route === params.get('route') ? 'selected' : '' },
      h('td', { class: 'route' }, h('button', { type: 'button', class: 'link-button route-text',
        onclick: () => go('/routes', { project: state.project, window, route: r.route,
          from: selected ? selected.from : null, to: selected ? selected.to : null }) }, r.route || '(none)')),
      h('td', { class: 'num' }, h('a', { class: 'route-requests', title: 'The requests of this route in the window',
        href: requestsHref({ route: r.route, ...windowParams }) }, num(r.count))), h('td', { class: 'num' }, ms(r.p50)), h('td', { class: 'num' }, ms(r.p95)),
      h('td', { class: 'num' }, ms(r.p99)), h('td', { class: 'num' }, ms(r.max)),
      h('td', { class: 'num duration' }, bar(r.total / maxTotal), ' ', ms(r.total)))));
  };
  const headers = COLUMNS.map((c) => {
    const th = h('th', { scope: 'col', class: c.cls, 'aria-sort': c.key === sortKey ? 'descending' : 'none' });
    th.append(h('button', { type: 'button', class: 'sort', onclick: () => {
      ascending = sortKey === c.key ? !ascending : false;
      sortKey = c.key;
      for (const other of th.parentElement.children) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      render();
    } }, c.label));
    return th;
  });
  render();
  main.append(h('section', { class: 'panel', 'aria-label': 'Routes table' }, h('p', { class: 'muted', id: 'routes-window' }, note),
    data.routes.length === 0 ? empty('No requests in this window.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'routes-table' }, h('thead', null, h('tr', null, headers)), tbody))),
  histogramPanel);
  announce(data.routes.length + ' routes');
  if (params.get('route') !== null) await histogram(histogramPanel, params.get('route'), from, to);
}

function selectedWindow(params) {
  const from = params.get('from');
  const to = params.get('to');
  return from && to && /^\d+$/.test(from) && /^\d+$/.test(to) && Number(from) < Number(to)
    ? { from: Number(from), to: Number(to) } : null;
}

/** The request list of a route (and a duration band) in the window, slowest first. */
function requestsHref(filters) {
  const search = new URLSearchParams({ project: state.project, sort: 'duration' });
  for (const [k, v] of Object.entries(filters)) if (v !== null && v !== undefined) search.set(k, String(v));
  return '#/requests?' + search.toString();
}

async function histogram(panel, route, from, to) {
  const data = await api.get('/api/routes/' + encodeURIComponent(route) + '/histogram', { project: state.project, from, to });
  panel.lastChild.remove();
  if (data.count === 0) {
    panel.append(empty('No requests of this route in the window.'));
    return;
  }
  const buckets = contiguous(data.buckets);
  const max = Math.max(...buckets.map((b) => b.count));
  panel.append(h('p', null, h('strong', { class: 'route-text' }, route), ' — ' + num(data.count) + ' requests'),
    h('div', { class: 'histogram', role: 'img', 'aria-label': 'Latency histogram of ' + route },
      buckets.map((b) => {
        const column = h('span', { class: 'hist-bar' });
        column.style.height = (b.count === 0 ? 0 : Math.max(2, b.count / max * 100)).toFixed(1) + '%';
        const band = { route, from: data.from_ms ?? from, to: data.to_ms ?? to, min_duration: Math.floor(b.lower_ms || 0),
          max_duration: b.upper_ms ? Math.ceil(b.upper_ms) : null };
        return h('a', { class: 'hist-col', href: requestsHref(band),
          title: ms(b.lower_ms) + ' – ' + (b.upper_ms ? ms(b.upper_ms) : '∞') + ': ' + b.count + ' (show these requests)' },
        column, h('span', { class: 'hist-label' }, ms(b.upper_ms || b.max_ms)));
      })),
    table([{ label: 'From' }, { label: 'To' }, { label: 'Requests', cls: 'num' }], data.buckets.map((b) => h('tr', null,
      h('td', null, ms(b.lower_ms)), h('td', null, b.upper_ms ? ms(b.upper_ms) : '∞'), h('td', { class: 'num' }, num(b.count)))),
    { cls: 'compact', caption: 'Buckets' }));
}

/** Log-scale buckets (upper bound 1.1^n ms) from the first to the last non-empty one, gaps filled, two around. */
function contiguous(buckets) {
  const known = buckets.filter((b) => b.bucket < 1000);
  if (known.length === 0) return buckets;
  const byIndex = new Map(known.map((b) => [b.bucket, b]));
  const first = Math.max(0, known[0].bucket - 2);
  const last = known[known.length - 1].bucket + 2;
  const result = [];
  for (let i = first; i <= last; i++) {
    result.push(byIndex.get(i) || { bucket: i, lower_ms: i === 0 ? 0 : 1.1 ** (i - 1), upper_ms: 1.1 ** i, count: 0 });
  }
  return result.concat(buckets.filter((b) => b.bucket >= 1000));
}
