import { api } from '../api.js';
import { h, section, empty, bar, append } from '../dom.js';
import { ms, num, windowText } from '../format.js';
import { state, go } from '../router.js';

// The analysis of a selected window against its baseline: the generated summary with links to its evidence,
// then every list ranked by the time it added. Every name, route and statement is rendered as text.

function link(path, params, text, cls, title) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') search.set(k, v);
  return h('a', { href: '#' + path + '?' + search.toString(), class: cls, title }, text);
}

/** Links into the other views, restricted to the window. */
export function windowLinks(win) {
  const base = { project: state.project, from: win.from, to: win.to };
  return {
    requests: (extra, text, cls, title) => link('/requests', { ...base, sort: 'duration', ...extra }, text, cls, title),
    routes: (text) => link('/routes', base, text),
    database: (extra, text) => link('/database', { ...base, ...extra }, text),
    request: (correlationId) => link('/correlation/' + encodeURIComponent(correlationId), { project: state.project },
      correlationId, 'mono'),
  };
}

function baselineParams(params) {
  const from = params.get('baseline_from');
  const to = params.get('baseline_to');
  if (from && to) return { baseline_from: from, baseline_to: to };
  return params.get('baseline') === 'yesterday' ? { baseline: 'yesterday' } : {};
}

export async function renderAnalysis(panel, params, win) {
  const data = await api.get('/api/analysis', { project: state.project, from: win.from, to: win.to, ...baselineParams(params) });
  const links = windowLinks(win);
  const shown = { from: data.window.from, to: data.window.to };
  const shownLinks = windowLinks(shown);
  // append() skips the lists that do not apply (Element.append would render null as text)
  append(panel, [section('Window', h('p', { id: 'window-text', class: 'window-text' }, windowText(shown.from, shown.to)),
    h('p', { class: 'note', id: 'baseline-text' }, 'Compared with the baseline ' + windowText(data.baseline.from, data.baseline.to)
      + (data.baseline.scale !== 1 ? ' (scaled by ' + Number(data.baseline.scale).toFixed(2) + ' to the window\'s length)' : '')
      + '. ', baselinePicker(params)),
    h('p', { class: 'window-links' }, 'This window in: ', shownLinks.requests({}, 'slow requests'), ' · ',
      shownLinks.routes('routes'), ' · ', shownLinks.database({}, 'database'), ' · ',
      h('a', { href: '#/flamegraph?project=' + encodeURIComponent(state.project) + '&from=' + shown.from + '&to=' + shown.to,
        id: 'window-flame-link' }, 'flame graph')),
    totals(data)),
  summaryPanel(data, links), routesPanel(data, links), hostsPanel(data, links), functionsPanel(data, links), sqlPanel(data, links),
  statementsPanel(data, links), locksPanel(data, links), logsPanel(data, links)]);
}

function baselinePicker(params) {
  const choose = (changes) => {
    const p = Object.fromEntries(params);
    delete p.baseline; delete p.baseline_from; delete p.baseline_to;
    go('/overview', { ...p, ...changes, project: state.project });
  };
  const current = params.get('baseline') === 'yesterday' ? 'yesterday' : 'before';
  const select = h('select', { id: 'baseline-choice', 'aria-label': 'Baseline' },
    h('option', { value: 'before', selected: current === 'before' }, 'the same length just before'),
    h('option', { value: 'yesterday', selected: current === 'yesterday' }, 'the same hours a day earlier'));
  select.addEventListener('change', () => choose(select.value === 'yesterday' ? { baseline: 'yesterday' } : {}));
  return h('label', { class: 'inline' }, 'Baseline: ', select);
}

function totals(data) {
  const t = data.totals;
  return h('p', { id: 'window-totals' }, num(t.count) + ' slow requests (baseline ' + num(t.baseline_count) + '), '
    + ms(t.total_ms) + ' in them (baseline ' + ms(t.baseline_total_ms) + '): ', h('strong', null, ms(t.added_ms) + ' added'),
  '. Only requests slower than ' + ms(data.php_threshold_ms) + ' are counted.');
}

// ---- summary ----

function evidenceLink(e, links) {
  switch (e.type) {
    case 'route': return links.requests({ route: e.route }, 'requests of ' + e.route, 'route-text');
    case 'host': return links.requests({ host: e.host }, 'requests on ' + e.host);
    case 'lock': return e.blocking_correlation_id ? h('span', null, 'blocking request ', links.request(e.blocking_correlation_id))
      : jump('lock', 'an-locks');
    case 'sql': return jump('SQL fingerprint', 'an-sql', e.fingerprint);
    case 'function': return jump('function', 'an-functions', e.name);
    case 'db_statement': return jump('database statement', 'an-db-statements', e.queryid);
    case 'log': return links.database({ category: e.category }, e.category + ' log lines');
    default: return null;
  }
}

/** A button that scrolls to (and marks) the row of a list: the hash is the route, so no in-page anchors. */
function jump(text, tableId, key) {
  return h('button', { type: 'button', class: 'link-button evidence', onclick: () => {
    const tableEl = document.getElementById(tableId);
    if (!tableEl) return;
    const rowEl = [...tableEl.querySelectorAll('tr[data-key]')].find((r) => key === undefined || r.dataset.key === key)
      || tableEl;
    rowEl.classList.add('selected');
    rowEl.scrollIntoView({ block: 'center' });
  } }, text);
}

function summaryPanel(data, links) {
  if (!data.summary || data.summary.length === 0) return section('Summary', empty('Nothing stands out against the baseline.'));
  return section('Summary', h('ol', { class: 'summary', id: 'an-summary' }, data.summary.map((s) => {
    const evidence = (s.evidence || []).map((e) => evidenceLink(e, links)).filter(Boolean);
    return h('li', null, s.text, evidence.length ? h('span', { class: 'evidence-links' }, ' → ',
      evidence.flatMap((a, i) => (i ? [' · ', a] : [a]))) : null);
  })));
}

// ---- lists ----

function added(value, max) {
  return h('td', { class: 'num duration' }, bar(Math.max(0, value) / max, value > 0 ? 'hot' : ''), ' ', ms(value));
}

function rankedTable(id, columns, items, rowFn) {
  const max = Math.max(1, ...items.map((i) => i.added_ms || 0));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data ranked', id },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
    h('tbody', null, items.map((item) => rowFn(item, max)))));
}

function routesPanel(data, links) {
  if (!data.routes.length) return section('Routes', empty('No slow requests in this window.'));
  return section('Routes', rankedTable('an-routes', [{ label: 'Route' }, { label: 'Requests', cls: 'num' },
    { label: 'Baseline', cls: 'num' }, { label: 'p95', cls: 'num' }, { label: 'Baseline p95', cls: 'num' },
    { label: 'Time added', cls: 'num' }], data.routes, (r, max) => h('tr', { 'data-key': r.route },
    h('td', { class: 'break' }, links.requests({ route: r.route }, r.route || '(none)', 'route-text culprit-link')),
    h('td', { class: 'num' }, num(r.count)), h('td', { class: 'num' }, num(r.baseline_count)),
    h('td', { class: 'num' }, ms(r.p95_ms)), h('td', { class: 'num' }, ms(r.baseline_p95_ms)), added(r.added_ms, max))));
}

function hostsPanel(data, links) {
  if (!data.hosts.length) return null;
  return section('Web hosts', rankedTable('an-hosts', [{ label: 'Host' }, { label: 'Requests', cls: 'num' },
    { label: 'Baseline', cls: 'num' }, { label: 'Time', cls: 'num' }, { label: 'Time added', cls: 'num' }], data.hosts,
  (r, max) => h('tr', { 'data-key': r.host }, h('td', { class: 'break' }, links.requests({ host: r.host }, r.host, 'culprit-link')),
    h('td', { class: 'num' }, num(r.count)), h('td', { class: 'num' }, num(r.baseline_count)),
    h('td', { class: 'num' }, ms(r.total_ms)), added(r.added_ms, max))));
}

/** The window's requests that ran a culprit, as the rollup indexed them. */
function requestsOf(links, filter, label) {
  return links.requests(filter, 'requests', 'culprit-requests', label);
}

function functionsPanel(data, links) {
  if (!data.functions.length) return section('PHP functions by self time', empty('No XHProf data in this window.'));
  return section('PHP functions by self time', h('p', { class: 'note' }, 'Self time: the time inside a function minus its '
    + 'children the agent reported (time of children it left out counts as the parent\'s).'),
  rankedTable('an-functions', [{ label: 'Function' }, { label: 'Self', cls: 'num' }, { label: 'Baseline self', cls: 'num' },
    { label: 'Calls', cls: 'num' }, { label: 'Requests', cls: 'num' }, { label: 'Time added', cls: 'num' }], data.functions,
  (f, max) => h('tr', { 'data-key': f.name }, h('td', { class: 'fn' }, h('a', { class: 'culprit-link', title: 'Where it runs: '
    + 'the window\'s flame graph with this function marked', href: '#/flamegraph?' + new URLSearchParams({ project: state.project,
    from: String(data.window.from), to: String(data.window.to), search: f.name }).toString() }, f.name), ' ',
  requestsOf(links, { function: f.name }, 'Requests of this window in which ' + f.name + ' had self time')),
  h('td', { class: 'num' }, ms(f.self_ms)),
    h('td', { class: 'num' }, ms(f.baseline_self_ms)), h('td', { class: 'num' }, num(f.calls)),
    h('td', { class: 'num' }, num(f.requests)), added(f.added_ms, max))));
}

function longText(text) {
  const value = text === null || text === undefined ? '(text not available)' : String(text);
  const one = value.replace(/\s+/g, ' ');
  if (one.length <= 160) return h('code', { class: 'sql' }, one);
  return h('details', null, h('summary', { class: 'sql' }, one.slice(0, 160) + '…'), h('pre', { class: 'sql full-text' }, value));
}

function sqlPanel(data, links) {
  if (!data.sql.length) return section('SQL of the PHP requests', empty('No SQL in this window.'));
  return section('SQL of the PHP requests', h('p', { class: 'note' }, 'Statements with their literals replaced, as the PHP '
    + 'agent timed them. Per request: 10 or more runs of one fingerprint is a possible N+1. "requests" lists the window\'s '
    + 'requests that ran it, as far as the rollup has processed them.'),
  rankedTable('an-sql', [{ label: 'Statement' }, { label: 'Runs', cls: 'num' }, { label: 'Per request', cls: 'num' },
    { label: 'Baseline runs', cls: 'num' }, { label: 'Time', cls: 'num' }, { label: 'Time added', cls: 'num' }], data.sql,
  (s, max) => h('tr', { 'data-key': s.fingerprint }, h('td', { class: 'sql-cell' }, longText(s.normalized), ' ',
    requestsOf(links, { sql_fingerprint: s.fingerprint }, 'Requests of this window that ran this statement')),
    h('td', { class: 'num' }, num(s.count)), h('td', { class: 'num' }, s.requests ? (s.count / s.requests).toFixed(1) : '–'),
    h('td', { class: 'num' }, num(s.baseline_count)), h('td', { class: 'num' }, ms(s.total_ms)), added(s.added_ms, max))));
}

function statementsPanel(data, links) {
  if (!data.db_statements.length) return null;
  return section('Database statements (pg_stat_statements)', h('p', { class: 'note' }, 'The database\'s own view, from the '
    + 'pg-agent; the details are in ', links.database({}, 'the Database view of this window'), '. "requests" lists the PHP '
    + 'requests of the window that ran the same statement (matched by its normalized text).'),
  rankedTable('an-db-statements', [{ label: 'Statement' }, { label: 'Calls', cls: 'num' }, { label: 'Baseline calls', cls: 'num' },
    { label: 'Time', cls: 'num' }, { label: 'Time added', cls: 'num' }], data.db_statements,
  (s, max) => h('tr', { 'data-key': s.queryid, 'data-fingerprint': s.fingerprint || '' }, h('td', { class: 'sql-cell' },
    longText(s.query), s.fingerprint ? [' ', requestsOf(links, { sql_fingerprint: s.fingerprint },
      'PHP requests of this window that ran this statement')] : null),
    h('td', { class: 'num' }, num(s.calls)), h('td', { class: 'num' }, num(s.baseline_calls)),
    h('td', { class: 'num' }, ms(s.total_ms)), added(s.added_ms, max))));
}

function locksPanel(data, links) {
  if (!data.locks.length) return section('Lock waits', empty('No session waited for a lock in this window.'));
  return section('Lock waits', h('div', { class: 'table-wrap' }, h('table', { class: 'data ranked', id: 'an-locks' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Blocking statement'), h('th', { scope: 'col' }, 'Blocking request'),
      h('th', { scope: 'col', class: 'num' }, 'Waiters'), h('th', { scope: 'col', class: 'num' }, 'Waited'),
      h('th', { scope: 'col', class: 'num' }, 'Baseline'))),
    h('tbody', null, data.locks.map((l) => h('tr', { 'data-key': l.blocking_correlation_id || '' },
      h('td', { class: 'sql-cell' }, longText(l.blocking_query)),
      h('td', null, l.blocking_correlation_id ? links.request(l.blocking_correlation_id) : '–'),
      h('td', { class: 'num' }, num(l.waiters)), h('td', { class: 'num' }, ms(l.wait_ms)),
      h('td', { class: 'num' }, ms(l.baseline_wait_ms))))))));
}

function logsPanel(data, links) {
  if (!data.logs.length) return null;
  return section('Database log events', h('div', { class: 'table-wrap' }, h('table', { class: 'data ranked', id: 'an-logs' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col', class: 'num' }, 'Events'),
      h('th', { scope: 'col', class: 'num' }, 'Baseline'), h('th', { scope: 'col', class: 'num' }, 'Added'))),
    h('tbody', null, data.logs.map((l) => h('tr', { 'data-key': l.category },
      h('td', null, links.database({ category: l.category }, l.category)), h('td', { class: 'num' }, num(l.count)),
      h('td', { class: 'num' }, num(l.baseline_count)), h('td', { class: 'num' }, num(l.added))))))));
}
