import { api } from '../api.js';
import { h, table, section, empty, clear, append } from '../dom.js';
import { ms, num, time, bytes, pct, windowText } from '../format.js';
import { state, go } from '../router.js';
import { draw } from '../chart.js';

// The database side of a time window (from / to in the URL, default: the last hour): statements summed over
// the window, lock chains as trees, sessions, log lines by category, and charts. Every stored string is text.

const WINDOWS = { '15m': 900000, '1h': 3600000, '6h': 21600000, '24h': 86400000 };
const STATEMENT_COLUMNS = [
  { key: 'total_exec_time', label: 'Total time', fmt: ms, num: true },
  { key: 'calls', label: 'Calls', fmt: num, num: true },
  { key: 'mean_exec_time', label: 'Mean', fmt: ms, num: true },
  { key: 'max_exec_time', label: 'Max', fmt: ms, num: true },
  { key: 'rows', label: 'Rows', fmt: num, num: true },
  { key: 'shared_blks_hit', label: 'Blocks hit', fmt: num, num: true },
  { key: 'shared_blks_read', label: 'Blocks read', fmt: num, num: true },
  { key: 'temp_blks_written', label: 'Temp written', fmt: num, num: true },
];

export async function renderDatabase(main, params) {
  const to = params.get('to') ? Number(params.get('to')) : Date.now();
  const from = params.get('from') ? Number(params.get('from')) : to - WINDOWS['1h'];
  main.append(h('h1', null, 'Database (pg-agent)'), windowForm(from, to, params));
  const data = await api.get('/api/database/incident', { project: state.project, from, to });
  main.append(h('p', { class: 'note', id: 'db-window' }, 'Window ' + windowText(data.from_ms, data.to_ms)
    + truncatedNote(data.truncated) + ' · ', h('a', { href: '#/requests?project=' + encodeURIComponent(state.project)
    + '&from=' + data.from_ms + '&to=' + data.to_ms }, 'PHP requests in this window')));
  const charts = [];
  append(main, [agentPanel(data.agent), statementsPanel(data.statements, params), locksPanel(data.lock_snapshots),
    sessionsPanel(data.sessions, charts), logsPanel(data.logs, params), metricsPanel(data.metrics, charts)]);
  for (const draw of charts) draw();
}

function windowForm(from, to, params) {
  const iso = (v) => new Date(v).toISOString().slice(0, 19) + 'Z';
  const fromInput = h('input', { id: 'db-from', type: 'text', value: iso(from), size: 22, 'aria-label': 'From (UTC)' });
  const toInput = h('input', { id: 'db-to', type: 'text', value: iso(to), size: 22, 'aria-label': 'To (UTC)' });
  const apply = (f, t) => go('/database', { ...Object.fromEntries(params), project: state.project, from: f, to: t });
  const form = h('form', { class: 'filters db-window', onsubmit: (e) => {
    e.preventDefault();
    const f = Date.parse(fromInput.value);
    const t = Date.parse(toInput.value);
    if (Number.isFinite(f) && Number.isFinite(t) && f < t) apply(f, t);
  } }, h('label', null, 'From ', fromInput), h('label', null, 'To ', toInput), h('button', { type: 'submit' }, 'Show'),
  Object.keys(WINDOWS).map((w) => h('button', { type: 'button', class: 'link-button',
    onclick: () => { const now = Date.now(); apply(now - WINDOWS[w], now); } }, 'last ' + w)));
  return form;
}

function truncatedNote(truncated) {
  const cut = Object.entries(truncated || {}).filter(([, v]) => v).map(([k]) => k);
  return cut.length ? ' · only the newest records of ' + cut.join(', ') + ' (narrow the window for all)' : '';
}

const MINUTE = 60000;

/**
 * The PHP requests of the minutes around a database record (its minute, the one before and the one after: a
 * request's time and the database's sample rarely fall in the same minute), slowest first.
 */
function minuteRequests(timeMs, text) {
  const from = Math.floor(timeMs / MINUTE) * MINUTE - MINUTE;
  const search = new URLSearchParams({ project: state.project, from: String(from), to: String(from + 3 * MINUTE),
    sort: 'duration' });
  return h('a', { href: '#/requests?' + search.toString(), class: 'minute-requests',
    title: 'PHP requests from ' + time(from) + ' to ' + time(from + 3 * MINUTE) }, text || 'requests ±1 min');
}

function correlationLink(id) {
  if (!id) return '–';
  return h('a', { href: '#/correlation/' + encodeURIComponent(id) + '?project=' + encodeURIComponent(state.project),
    class: 'mono' }, id);
}

function agentPanel(events) {
  if (!events || events.length === 0) return null;
  return section('Agent outages', h('ul', { id: 'db-agent' }, events.map((e) => h('li', null,
    time(e.time_ms) + ': ' + e.state + (e.outage_from ? ' since ' + e.outage_from : '')
    + (e.outage_to ? ' until ' + e.outage_to : '') + (e.reason ? ' (' + e.reason + ')' : '')))));
}

// ---- statements ----

function statementsPanel(stats, params) {
  const sortKey = STATEMENT_COLUMNS.some((c) => c.key === params.get('sort')) ? params.get('sort') : 'total_exec_time';
  const rows = [...stats.statements].sort((a, b) => (b[sortKey] || 0) - (a[sortKey] || 0));
  const resets = stats.resets.map((r) => h('p', { class: 'warning reset-mark' },
    'pg_stat_statements_reset() at ' + r.at + ': the sample after it counts from the reset, so the totals '
    + 'neither lose nor double-count calls around it.'));
  const older = stats.records_without_deltas ? h('p', { class: 'note' }, stats.records_without_deltas
    + ' sample(s) with cumulative counters (an older agent) are not summed.') : null;
  if (rows.length === 0) return section('Statements', resets, older, empty('No statement statistics in this window.'));
  const header = STATEMENT_COLUMNS.map((c) => h('th', { scope: 'col', class: 'num', 'aria-sort': c.key === sortKey ? 'descending' : null },
    h('a', { href: '#', 'data-sort': c.key, onclick: (e) => {
      e.preventDefault();
      const p = new URLSearchParams(location.hash.split('?')[1] || '');
      p.set('sort', c.key);
      go('/database', Object.fromEntries(p));
    } }, c.label)));
  const body = rows.map((s) => h('tr', { class: 'statement', 'data-queryid': s.queryid },
    STATEMENT_COLUMNS.map((c) => h('td', { class: 'num' }, c.fmt(s[c.key]))),
    h('td', { class: 'sql-cell' }, h('details', null, h('summary', null, short(s.query)),
      h('pre', { class: 'sql full-text' }, s.query === null || s.query === undefined ? '(text not available)' : s.query)),
    h('span', { class: 'muted' }, (s.username || '?') + '@' + (s.datname || '?')))));
  return section('Statements', resets, older, h('p', { class: 'note' }, stats.distinct + ' statements ran in the window; '
    + 'counts are the sums of the samples\' deltas. Click a column to sort, a statement for its full text.'),
  h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'db-statements' },
    h('thead', null, h('tr', null, header, h('th', { scope: 'col' }, 'Statement'))), h('tbody', null, body))));
}

function short(text) {
  if (text === null || text === undefined) return '(text not available)';
  const one = String(text).replace(/\s+/g, ' ');
  return one.length > 140 ? one.slice(0, 140) + '…' : one;
}

// ---- locks ----

function locksPanel(snapshots) {
  if (!snapshots || snapshots.length === 0) return section('Lock waits', empty('Nobody waited for a lock in this window.'));
  const worst = snapshots.find((s) => s.most_waits) || snapshots[0];
  const select = h('select', { id: 'db-lock-snapshot', 'aria-label': 'Lock snapshot' }, snapshots.map((s, i) =>
    h('option', { value: String(i), selected: s === worst }, time(s.time_ms) + ' · ' + s.waits + ' waits'
      + (s.most_waits ? ' (most)' : ''))));
  const holder = h('div', { id: 'db-lock-trees' });
  const requests = h('p', { id: 'db-lock-requests' });
  const show = () => {
    clear(holder);
    clear(requests);
    const snapshot = snapshots[Number(select.value)];
    requests.append(minuteRequests(snapshot.time_ms, 'PHP requests of the minutes around this sample'));
    holder.append(h('ul', { class: 'lock-tree', role: 'tree' }, snapshot.trees.map((t) => lockNode(t, 1))));
  };
  select.addEventListener('change', show);
  show();
  return section('Lock waits', h('label', null, 'Sample ', select), requests, holder);
}

function lockNode(node, level) {
  const who = h('span', { class: 'lock-who' }, (node.root ? 'root blocker ' : 'waiter ') + 'pid ' + node.pid);
  const facts = [];
  if (node.root) {
    facts.push('state ' + (node.state || '?'));
    if (node.xact_ms !== null && node.xact_ms !== undefined) facts.push('transaction ' + ms(node.xact_ms));
    if (node.held_mode) facts.push('holds ' + node.held_mode);
  } else {
    facts.push('waiting ' + ms(node.wait_ms));
    if (node.mode) facts.push('wants ' + node.mode + (node.relation ? ' on ' + node.relation : ''));
  }
  if (node.waiting_behind) facts.push(node.waiting_behind + ' waiting behind');
  if (node.application_name) facts.push(node.application_name);
  const line = h('div', { class: 'lock-line' + (node.root ? ' root' : '') }, who, ' · ', facts.join(' · '), ' · request ',
    correlationLink(node.correlation_id));
  const query = h('pre', { class: 'sql lock-query' }, node.query || '(no query)');
  const children = node.waiters && node.waiters.length
    ? h('ul', { role: 'group' }, node.waiters.map((w) => lockNode(w, level + 1))) : null;
  return h('li', { role: 'treeitem', 'aria-level': level, 'aria-expanded': children ? 'true' : null,
    'data-pid': node.pid }, line, query, children);
}

// ---- sessions ----

function sessionsPanel(sessions, charts) {
  const latest = sessions.busiest;
  const series = sessions.series || [];
  const chart = series.length > 1 ? h('div', { class: 'chart', id: 'db-sessions-chart' }) : null;
  if (chart) {
    const x = series.map((p) => p.t / 1000);
    const lines = [['active', series.map((p) => p.active)], ['idle in transaction', series.map((p) => p.idle_in_transaction)],
      ['waiting on locks', series.map((p) => p.waiting_on_locks)]];
    for (const event of sessions.wait_events || []) lines.push([event, series.map((p) => (p.wait_events || {})[event] ?? null)]);
    charts.push(() => draw(chart, 'Sessions', x, lines));
  }
  if (!latest) return section('Sessions', empty('No sessions sampled in this window.'));
  const rows = latest.sessions.map((s) => h('tr', null,
    h('td', { class: 'num' }, String(s.pid)), h('td', null, s.state || '–'),
    h('td', null, s.wait_event ? s.wait_event_type + ': ' + s.wait_event : '–'),
    h('td', { class: 'num' }, ms(s.running_ms)), h('td', null, s.application_name || '–'),
    h('td', null, correlationLink(s.correlation_id)), h('td', { class: 'sql-cell' }, h('pre', { class: 'sql' }, s.query || ''))));
  return section('Sessions', chart, h('p', { class: 'note', id: 'db-sessions-sample' }, 'The busiest sample of the window: '
    + 'non-idle sessions at ' + time(latest.time_ms) + (latest.busy ? ' (busy sampling)' : '') + ', longest-running first ('
    + 'the ', minuteRequests(latest.time_ms, 'PHP requests of these minutes'), ').'),
  h('div', { class: 'table-wrap' }, table([{ label: 'pid', cls: 'num' }, { label: 'State' }, { label: 'Wait event' },
    { label: 'Running', cls: 'num' }, { label: 'Application' }, { label: 'Request' }, { label: 'Query' }], rows,
  { cls: 'sessions' })));
}

// ---- logs ----

function logsPanel(logs, params) {
  const categories = Object.keys(logs.categories).sort();
  const chosen = categories.includes(params.get('category')) ? params.get('category') : '';
  const select = h('select', { id: 'db-log-category', 'aria-label': 'Category' }, h('option', { value: '' }, 'all categories'),
    categories.map((c) => h('option', { value: c, selected: c === chosen }, c + ' (' + logs.categories[c] + ')')));
  select.addEventListener('change', () => {
    const p = new URLSearchParams(location.hash.split('?')[1] || '');
    if (select.value) p.set('category', select.value); else p.delete('category');
    go('/database', Object.fromEntries(p));
  });
  const counts = h('table', { class: 'data compact', id: 'db-log-counts' },
    h('caption', null, 'Log lines per category, ' + ms(logs.bucket_ms) + ' buckets'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'From'), categories.map((c) => h('th', { scope: 'col', class: 'num' }, c)))),
    h('tbody', null, logs.buckets.map((b) => h('tr', null, h('td', null, h('a', { class: 'bucket-requests',
      title: 'PHP requests of this bucket', href: '#/requests?' + new URLSearchParams({ project: state.project, from: String(b.t),
        to: String(b.t + logs.bucket_ms), sort: 'duration' }).toString() }, time(b.t))),
      categories.map((c) => h('td', { class: 'num' }, b.counts[c] ? String(b.counts[c]) : ''))))));
  const shown = logs.entries.filter((e) => !chosen || e.category === chosen).slice(0, 300);
  const rows = shown.map((e) => h('tr', { class: 'log-' + (e.category || 'other') },
    h('td', { class: 'nowrap' }, time(e.time_ms) + (e.time_estimated ? ' *' : ''), h('br'), minuteRequests(e.time_ms)),
    h('td', null, e.level || '–'),
    h('td', null, e.category || '–'), h('td', { class: 'num' }, e.duration_ms != null ? ms(e.duration_ms)
      : e.lock_wait_ms != null ? ms(e.lock_wait_ms) : ''),
    h('td', null, correlationLink(e.correlation_id)),
    h('td', { class: 'break' }, e.message || '', e.statement ? h('pre', { class: 'sql' }, e.statement) : null,
      e.detail ? h('div', { class: 'muted' }, e.detail) : null)));
  return section('Log lines', h('p', { class: 'note' }, logs.total + ' lines in the window'
    + (logs.total > logs.entries.length ? ' (the newest ' + logs.entries.length + ' listed)' : '') + '. Times are the server\'s, in UTC'
    + ' (* = the log had no usable zone: read as UTC); "requests ±1 min" lists the PHP requests of the line\'s minute, '
    + 'the one before and the one after.'), h('label', null, 'Show ', select),
  logs.buckets.length ? h('div', { class: 'table-wrap' }, counts) : null,
  rows.length ? h('div', { class: 'table-wrap' }, table([{ label: 'Time' }, { label: 'Level' }, { label: 'Category' },
    { label: 'Duration / wait', cls: 'num' }, { label: 'Request' }, { label: 'Message' }], rows, { cls: 'logs' }))
    : empty('No log lines.'));
}

// ---- host metrics ----

function metricsPanel(series, charts) {
  if (!series || series.length < 2) return section('Host metrics', empty('Not enough host samples in this window.'));
  const x = series.map((p) => p.t / 1000);
  const cpu = h('div', { class: 'chart', id: 'db-cpu-chart' });
  const io = h('div', { class: 'chart', id: 'db-io-chart' });
  charts.push(() => draw(cpu, 'CPU, memory, disk (%) and load', x, [
    ['cpu %', series.map((p) => p.cpu_percent)], ['iowait %', series.map((p) => p.iowait_percent)],
    ['memory %', series.map((p) => p.memory_percent)], ['disk used %', series.map((p) => p.disk_used_percent_max)],
    ['load 1m', series.map((p) => p.load_1m)]]));
  charts.push(() => draw(io, 'Disk and network (bytes/s)', x, [
    ['disk read', series.map((p) => p.disk_read_bytes_per_s)], ['disk write', series.map((p) => p.disk_write_bytes_per_s)],
    ['net in', series.map((p) => p.net_recv_bytes_per_s)], ['net out', series.map((p) => p.net_sent_bytes_per_s)]], bytes));
  const last = series[series.length - 1];
  return section('Host metrics', cpu, io, h('p', { class: 'note' }, 'Latest: cpu ' + pct(last.cpu_percent) + ', memory '
    + pct(last.memory_percent) + ', load ' + (last.load_1m ?? '–') + ', fullest disk ' + pct(last.disk_used_percent_max)));
}
