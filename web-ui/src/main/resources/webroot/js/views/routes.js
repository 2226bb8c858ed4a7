import { api } from '../api.js';
import { h, bar, table, section, empty, announce } from '../dom.js';
import { ms, num, time } from '../format.js';
import { state, go } from '../router.js';

const WINDOWS = { '1h': 3600e3, '3h': 3 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
const COLUMNS = [
  { key: 'route', label: 'Route' }, { key: 'count', label: 'Requests', cls: 'num' }, { key: 'p50', label: 'p50', cls: 'num' },
  { key: 'p95', label: 'p95', cls: 'num' }, { key: 'p99', label: 'p99', cls: 'num' }, { key: 'max', label: 'Max', cls: 'num' },
  { key: 'total', label: 'Total time', cls: 'num' },
];

export async function renderRoutes(main, params) {
  const window = WINDOWS[params.get('window')] ? params.get('window') : '24h';
  const to = params.get('to') ? Number(params.get('to')) : Date.now();
  const picker = h('select', { id: 'route-window' }, Object.keys(WINDOWS).map((w) => h('option', { value: w }, 'last ' + w)));
  picker.value = window;
  picker.addEventListener('change', () => go('/routes', { project: state.project, window: picker.value }));
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Routes'),
    h('label', { for: 'route-window' }, 'Window ', picker)));
  const data = await api.get('/api/routes', { project: state.project, from: to - WINDOWS[window], to });
  const note = data.approximate ? 'Percentiles from hourly histograms (about ±5 %), whole hours ' + time(data.from_ms) + ' – '
    + time(data.to_ms) + '.' : 'Exact, ' + time(data.from_ms) + ' – ' + time(data.to_ms) + '.';
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
        onclick: () => go('/routes', { project: state.project, window, route: r.route }) }, r.route || '(none)')),
      h('td', { class: 'num' }, num(r.count)), h('td', { class: 'num' }, ms(r.p50)), h('td', { class: 'num' }, ms(r.p95)),
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
  main.append(h('section', { class: 'panel', 'aria-label': 'Routes table' }, h('p', { class: 'muted' }, note),
    data.routes.length === 0 ? empty('No requests in this window.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'routes-table' }, h('thead', null, h('tr', null, headers)), tbody))),
  histogramPanel);
  announce(data.routes.length + ' routes');
  if (params.get('route') !== null) await histogram(histogramPanel, params.get('route'), to - WINDOWS[window], to);
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
        return h('span', { class: 'hist-col', title: ms(b.lower_ms) + ' – ' + (b.upper_ms ? ms(b.upper_ms) : '∞') + ': ' + b.count },
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
