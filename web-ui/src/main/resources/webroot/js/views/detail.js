import { api } from '../api.js';
import { h, bar, section, table, empty, announce } from '../dom.js';
import { ms, us, bytes, time, num, pct, shortTime } from '../format.js';
import { highlightSql } from '../sql.js';
import { buildTree, icicle, FLAME_NOTE } from '../flame.js';

export async function renderDetail(main, id, params) {
  if (!/^\d{1,18}$/.test(id)) {
    main.append(h('p', { class: 'error' }, 'Not a request id.'));
    return;
  }
  let detail;
  try {
    detail = await api.get('/api/requests/' + id);
  } catch (e) {
    main.append(h('p', { class: 'error', role: 'alert' }, e.status === 404 ? 'Request ' + id
      + ' does not exist in your projects (it may have expired).' : 'Could not load request: ' + e.message));
    return;
  }
  const r = detail.request;
  const fields = detail.payload_fields || {};
  const back = h('a', { href: '#/requests?project=' + encodeURIComponent(r.project), class: 'back' }, '← All requests');
  const title = h('h1', { id: 'detail-title' }, h('span', { class: 'method' }, r.method || '?'), ' ',
    h('span', { class: 'route-text' }, r.route || '?'));
  const toc = h('nav', { class: 'toc', 'aria-label': 'Sections' }, ['Overview', 'Comparison', 'Timeline', 'Functions',
    'Flame graph', 'SQL', 'Database activity', 'Request data', 'Raw payload'].map((name) => h('a', {
    href: '#/requests/' + Number(id) + '?project=' + encodeURIComponent(r.project),
    onclick: (e) => { e.preventDefault(); document.getElementById('sec-' + name.toLowerCase().replace(/[^a-z0-9]+/g, '-'))?.scrollIntoView(); },
  }, name)));
  const comparison = section('Comparison', h('p', { class: 'muted' }, 'Comparing with the route baseline…'));
  main.append(back, h('div', { class: 'page-head' }, title, h('span', { class: 'duration-big' }, ms(r.duration_ms))), toc,
    overview(r, fields, detail), comparison, timeline(detail.timeline),
    functions(detail.functions, detail.hotspots, r, detail.functions_truncation), flame(fields.flame_edges, r),
    sql(detail.sql), database(detail.related, r), requestData(fields), raw(r.payload));
  announce('Request ' + (r.method || '') + ' ' + (r.route || '') + ' loaded');
  loadComparison(comparison, id, params.get('window') || '24h');
}

function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function overview(r, fields, detail) {
  const fatal = fields.fatal_error || null;
  const corr = r.correlation_id ? h('a', { href: '#/correlation/' + encodeURIComponent(r.correlation_id) + '?project='
    + encodeURIComponent(r.project) }, r.correlation_id) : '–';
  return section('Overview',
    fatal ? h('div', { class: 'alert bad', role: 'note' }, h('strong', null, 'Fatal error: '), String(fatal.message || ''),
      h('div', { class: 'muted' }, String(fatal.file || '') + (fatal.line ? ':' + fatal.line : ''))) : null,
    dl([
      ['Time', time(r.event_time_ms) + (r.event_time_estimated ? ' (receive time: the agent sent none)' : '')],
      ['Duration', ms(r.duration_ms)],
      ['URL', h('span', { class: 'break' }, r.url || '–')],
      ['Status', r.status === null || r.status === undefined ? '–' : String(r.status)],
      ['Host', r.host || '–'],
      ['Project', r.project],
      ['Peak memory', bytes(r.memory_peak_bytes)],
      ['SQL', num(r.sql_count) + ' statements, ' + ms(r.sql_time_ms)
        + (r.duration_ms && r.sql_time_ms ? ' (' + pct(100 * r.sql_time_ms / r.duration_ms) + ' of the request)' : '')],
      ['Correlation id', corr],
      ['PHP', [fields.php_version, fields.sapi].filter(Boolean).join(', ') || '–'],
      ['Correlated DB records', String(detail.related.length)],
    ]));
}

// The server keeps the profile of the request it just showed, so this call reads and inflates only the baseline.
async function loadComparison(panel, id, window) {
  let c;
  try {
    c = await api.get('/api/requests/' + id + '/comparison', { window });
  } catch (e) {
    panel.lastChild.textContent = 'Comparison unavailable: ' + e.message;
    return;
  }
  panel.lastChild.remove();
  const b = c.baseline;
  panel.append(h('p', null, b.requests === 0 ? 'No other request of this route in the ' + window
    + ' before it: nothing to compare with.' : 'Against ' + num(b.requests) + ' other requests of this route in the '
    + window + ' before it: p50 ' + ms(b.p50_ms) + ', p95 ' + ms(b.p95_ms) + '. This request is slower than '
    + pct(c.percentile_rank) + ' of them (percentile rank).'));
  if (b.sample_size > 0) {
    panel.append(h('p', { class: 'muted' }, 'Typical request = mean over the ' + b.sample_size + ' most recent requests of the '
      + 'route (functions: the ' + b.xhprof_sample_size + ' with XHProf data; SQL: the ' + b.sql_sample_size + ' with SQL data). '
      + 'Missing data is shown as unknown, never as zero.'));
    panel.append(h('div', { class: 'two comparison' }, functionComparison(c), sqlComparison(c)));
  }
}

// A value the comparison could not know (no data on one side) is 'unknown', never 0.
function known(value, format) {
  return value === null || value === undefined ? 'unknown' : format(value);
}

function signed(value, format) {
  return value === null || value === undefined ? 'unknown' : (value > 0 ? '+' : '') + format(value);
}

function functionComparison(c) {
  if (c.functions === null) {
    return h('p', { class: 'alert', id: 'comparison-functions-unknown' }, 'Functions: unknown (' + c.functions_unknown + ').');
  }
  const rows = c.functions.slice(0, 10).map((f) => h('tr', null, h('td', { class: 'fn' }, f.name),
    h('td', { class: 'num' }, us(f.wall_us)), h('td', { class: 'num' }, known(f.typical_wall_us, us)),
    h('td', { class: 'num ' + (f.diff_wall_us > 0 ? 'bad' : 'good') }, signed(f.diff_wall_us, us))));
  return h('div', { class: 'table-wrap' }, table([{ label: 'Function' }, { label: 'This', cls: 'num' }, { label: 'Typical', cls: 'num' },
    { label: 'Difference', cls: 'num' }], rows, { caption: 'Largest function differences (wall time)' }));
}

function sqlComparison(c) {
  if (c.sql === null) {
    return h('p', { class: 'alert', id: 'comparison-sql-unknown' }, 'SQL: unknown (' + c.sql_unknown + ').');
  }
  const rows = c.sql.slice(0, 10).map((s) => h('tr', null, h('td', { class: 'sqltext' }, highlightSql(s.normalized || '')),
    h('td', { class: 'num' }, num(s.count) + ' / ' + known(s.typical_count, String)), h('td', { class: 'num' }, ms(s.time_ms)),
    h('td', { class: 'num' }, known(s.typical_time_ms, ms)),
    h('td', { class: 'num ' + (s.diff_time_ms > 0 ? 'bad' : 'good') }, signed(s.diff_time_ms, ms))));
  return h('div', { class: 'table-wrap' }, table([{ label: 'SQL (normalized)' }, { label: 'Count this / typical', cls: 'num' },
    { label: 'This', cls: 'num' }, { label: 'Typical', cls: 'num' }, { label: 'Difference', cls: 'num' }], rows,
  { caption: 'Largest SQL differences' }));
}

function timeline(t) {
  const events = t.events || [];
  if (events.length === 0) return section('Timeline', empty('No events.'));
  const start = Math.min(...events.map((e) => e.start_ms));
  const end = Math.max(...events.map((e) => e.end_ms), start + 1);
  const span = end - start;
  const rows = events.map((e) => {
    const block = h('span', { class: 'tl-block tl-' + e.kind + (e.estimated ? ' estimated' : '') });
    block.style.left = ((e.start_ms - start) / span * 100).toFixed(2) + '%';
    block.style.width = Math.max(0.4, (e.end_ms - e.start_ms) / span * 100).toFixed(2) + '%';
    return h('li', { class: 'tl-row' },
      h('span', { class: 'tl-label' }, h('span', { class: 'badge tl-kind-' + e.kind }, e.kind), ' ', e.label,
        e.estimated ? h('span', { class: 'badge warn', title: e.note || 'estimated' }, 'estimated') : null),
      h('span', { class: 'tl-track', title: shortTime(e.start_ms) + ' → ' + shortTime(e.end_ms) }, block),
      h('span', { class: 'tl-time muted' }, shortTime(e.start_ms) + ' · ' + ms(e.end_ms - e.start_ms)
        + (e.note ? ' · ' + e.note : '')));
  });
  return section('Timeline', h('p', { class: 'muted' }, t.note, ' Span shown: ', time(start), ' – ', time(end), '.'),
    h('ul', { class: 'timeline' }, rows));
}

function functions(list, hotspots, r, truncation) {
  if (!list || list.length === 0) return section('Functions', empty('No XHProf data in this payload.'));
  const t = truncation || {};
  const cut = t.missing > 0 || t.truncated ? h('div', { class: 'alert warn', id: 'functions-truncated' },
    'The agent sent ' + num(t.sent) + (t.total !== null && t.total !== undefined ? ' of its ' + num(t.total) + ' XHProf entries' : ' XHProf entries')
    + (t.missing > 0 ? ': ' + num(t.missing) + ' are not shown' : '')
    + (t.truncated ? ' (it cut the payload to fit its 64 KB socket limit)' : ' (it keeps its top functions)') + '.') : null;
  const maxWall = Math.max(1, ...list.map((f) => f.wall_us));
  const pairs = [];
  for (const f of list.slice(0, 200)) {
    const detailsRow = h('tr', { class: 'fn-details', hidden: true }, h('td', { colspan: 6 }, relations(f)));
    const toggle = h('button', { type: 'button', class: 'expander', 'aria-expanded': 'false',
      title: 'Show callers and callees' }, f.name);
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') === 'true';
      toggle.setAttribute('aria-expanded', String(!open));
      detailsRow.hidden = open;
    });
    pairs.push({ f, rows: [h('tr', { class: 'fn-row', 'data-name': f.name }, h('td', { class: 'fn' }, toggle),
      h('td', { class: 'num' }, num(f.calls)), h('td', { class: 'num' }, us(f.wall_us)), h('td', { class: 'num' }, us(f.self_us)),
      h('td', { class: 'num' }, pct(f.share_pct)), h('td', { class: 'duration' }, bar(f.wall_us / maxWall))), detailsRow] });
  }
  const tbody = h('tbody', null, pairs.map((p) => p.rows));
  const search = h('input', { type: 'search', id: 'functions-search', placeholder: 'function name',
    'aria-label': 'Search the functions' });
  search.addEventListener('input', () => {
    const text = search.value.trim().toLowerCase();
    for (const p of pairs) {
      const hit = !text || p.f.name.toLowerCase().includes(text);
      p.rows[0].hidden = !hit;
      if (!hit) p.rows[1].hidden = true;
    }
  });
  const columns = [{ key: 'name', label: 'Function' }, { key: 'calls', label: 'Calls', cls: 'num' },
    { key: 'wall_us', label: 'Wall', cls: 'num' }, { key: 'self_us', label: 'Self', cls: 'num' },
    { key: 'share_pct', label: 'Share', cls: 'num' }];
  let sortKey = 'wall_us';
  let ascending = false;
  const headers = columns.map((c) => {
    const th = h('th', { scope: 'col', class: c.cls, 'aria-sort': c.key === sortKey ? 'descending' : 'none' });
    th.append(h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => {
      ascending = sortKey === c.key ? !ascending : c.key === 'name';
      sortKey = c.key;
      for (const other of th.parentElement.children) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const sorted = [...pairs].sort((a, b) => {
        const x = a.f[sortKey];
        const y = b.f[sortKey];
        const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
        return ascending ? cmp : -cmp;
      });
      tbody.replaceChildren(...sorted.flatMap((p) => p.rows));
    } }, c.label));
    return th;
  });
  const hot = (hotspots || []).slice(0, 8).map((s) => h('li', null, hotspotName(String(s.name)), ' ',
    h('span', { class: 'muted' }, ms(s.wall_time_ms) + ' · ' + (r.duration_ms && typeof s.wall_time_ms === 'number'
      ? pct(s.wall_time_ms / r.duration_ms * 100) : pct(s.pct)))));
  return section('Functions', cut,
    h('p', { class: 'muted' }, 'From the XHProf edges the agent sent (its top functions). Wall time is inclusive; self = '
      + 'wall minus the callees listed; share = of the request duration ' + ms(r.duration_ms) + ' (hotspots likewise). Select a function for its callers '
      + 'and callees; click a column to sort.'),
    hot.length ? h('div', { class: 'hotspots' }, h('h3', null, 'Hotspots'), h('ol', null, hot)) : null,
    h('label', { class: 'inline' }, 'Search ', search),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data functions', id: 'functions-table' },
      h('thead', null, h('tr', null, headers, h('th', { scope: 'col', class: 'duration' }, ''))), tbody)));
}

/** The request's XHProf edges ({caller, callee, wall_ms, calls}; a root has no caller) as an icicle. */
function flame(edges, r) {
  edges = edges || [];
  if (edges.length === 0) return section('Flame graph', empty('No XHProf data in this payload.'));
  const tree = buildTree(edges);
  const holder = h('div');
  const out = section('Flame graph', h('p', { class: 'note' }, 'Width = inclusive wall time; shares of the request '
    + 'duration ' + ms(r.duration_ms) + '. ' + FLAME_NOTE), holder);
  icicle(holder, tree, r.duration_ms || tree.wall, 'request-flame');
  return out;
}

/** "A==>B" as B, called by A: the callee is the function that spent the time. */
function hotspotName(name) {
  const at = name.indexOf('==>');
  if (at < 0) return h('span', { class: 'fn' }, name);
  return h('span', null, h('span', { class: 'fn' }, name.slice(at + 3)), h('span', { class: 'muted' }, ' called by '),
    h('span', { class: 'fn' }, name.slice(0, at)));
}

function relations(f) {
  const list = (title, items) => h('div', null, h('h4', null, title), items.length === 0 ? h('p', { class: 'muted' }, 'none known')
    : h('ul', null, items.map((i) => h('li', null, h('span', { class: 'fn' }, i.name), ' ', h('span', { class: 'muted' },
      num(i.calls) + ' calls · ' + us(i.wall_us))))));
  return h('div', { class: 'two' }, list('Called by', f.callers), list('Calls', f.callees));
}

function sql(s) {
  const statements = s.statements || [];
  if (statements.length === 0) return section('SQL', empty('No SQL captured for this request.'));
  const t = s.truncation || {};
  const cut = t.truncated ? h('div', { class: 'alert warn', id: 'sql-truncated' },
    'The agent cut this request\'s SQL to fit its 64 KB socket limit: ' + num(t.sent) + ' statements sent'
    + (t.total !== null && t.total !== undefined ? ' of ' + num(t.total) + ', ' + num(t.missing) + ' missing' : '')
    + '. Counts here, including repeated statements (N+1), are lower bounds.') : null;
  const repeated = (s.repeated || []).map((r) => h('li', null, h('strong', null, (r.lower_bound ? '≥ ' : '') + r.count + '× '),
    highlightSql(r.normalized || ''),
    h('span', { class: 'muted' }, ' · ' + ms(r.total_ms) + ' in total')));
  const items = statements.map((q) => {
    const stack = (q.stack || []).map((frame) => h('li', null, typeof frame === 'string' ? frame
      : [frame.class || '', frame.type || '', frame.function || '', ' — ', frame.file || '', frame.line ? ':' + frame.line : ''].join('')));
    return h('li', { class: 'sql-item' + (q.slow ? ' slow' : '') },
      h('div', { class: 'sql-meta' }, h('span', { class: 'num' }, '#' + (q.seq + 1)), ' ', h('strong', null, ms(q.time_ms)),
        q.slow ? h('span', { class: 'badge bad' }, 'slow ≥ ' + ms(s.slow_ms)) : null,
        q.repeats >= 5 ? h('span', { class: 'badge warn', title: 'same normalized statement ' + q.repeats + ' times' }, 'repeated ×' + q.repeats) : null,
        q.connection && q.connection.dbname ? h('span', { class: 'muted' }, ' ' + q.connection.dbname + '@' + (q.connection.host || '')) : null),
      h('pre', { class: 'sql-text' }, highlightSql(String(q.text || ''))),
      stack.length ? h('details', null, h('summary', null, 'Stack (' + stack.length + ' frames)'), h('ol', { class: 'stack' }, stack)) : null);
  });
  return section('SQL', cut,
    repeated.length ? h('div', { class: 'alert warn' }, h('strong', null, 'Repeated statements (possible N+1):'),
      h('ul', { class: 'nplus1' }, repeated)) : null,
    h('ol', { class: 'sql-list' }, items));
}

/** The Database view of the minutes around the request: what the whole database did meanwhile. */
function databaseWindowLink(r) {
  const end = Number(r.event_time_ms);
  const start = end - Math.round(Number(r.duration_ms) || 0);
  return h('p', null, h('a', { id: 'database-window-link', href: '#/database?project=' + encodeURIComponent(r.project)
    + '&from=' + (start - 300000) + '&to=' + (end + 300000) }, 'The whole database from 5 minutes before to 5 minutes after this request →'));
}

function database(related, r) {
  if (!related || related.length === 0) {
    return section('Database activity', databaseWindowLink(r),
      empty('No pg-agent record carries this correlation id (no partner found).'));
  }
  const sessions = [];
  const locks = [];
  const logs = [];
  const other = [];
  for (const rec of related) {
    for (const item of rec.items || []) {
      if (rec.source === 'pg_stat_activity') sessions.push(item);
      else if (rec.source === 'pg_locks') locks.push(item);
      else if (rec.source === 'pg_log') logs.push(item);
    }
    if (!['pg_stat_activity', 'pg_locks', 'pg_log'].includes(rec.source)) other.push(rec);
  }
  const str = (v) => (v === null || v === undefined ? '–' : String(v));
  return section('Database activity', databaseWindowLink(r),
    h('h3', null, 'Sessions'), sessions.length ? h('div', { class: 'table-wrap' }, table([{ label: 'PID' }, { label: 'State' },
      { label: 'Wait' }, { label: 'Query start' }, { label: 'Query' }], sessions.map((s) => h('tr', null, h('td', null, str(s.pid)),
      h('td', null, str(s.state)), h('td', null, [s.wait_event_type, s.wait_event].filter(Boolean).join(': ') || '–'),
      h('td', { class: 'nowrap' }, str(s.query_start)), h('td', { class: 'sqltext' }, highlightSql(str(s.query))))))) : empty('None.'),
    h('h3', null, 'Locks'), locks.length ? h('div', { class: 'table-wrap' }, table([{ label: 'Blocked' }, { label: 'Blocking' },
      { label: 'Lock' }, { label: 'Blocked query' }, { label: 'Blocking query' }], locks.map((l) => h('tr', null,
      h('td', null, 'pid ' + str(l.blocked_pid)), h('td', null, 'pid ' + str(l.blocking_pid)),
      h('td', null, str(l.locktype) + ' (' + str(l.blocked_mode) + ' vs ' + str(l.blocking_mode) + ')'),
      h('td', { class: 'sqltext' }, highlightSql(str(l.blocked_query))), h('td', { class: 'sqltext' }, highlightSql(str(l.blocking_query))))))) : empty('None.'),
    h('h3', null, 'Log lines'), logs.length ? h('div', { class: 'table-wrap' }, table([{ label: 'Time' }, { label: 'Level' },
      { label: 'PID' }, { label: 'Message' }], logs.map((l) => h('tr', null, h('td', { class: 'nowrap' }, str(l.timestamp)),
      h('td', { class: String(l.level).match(/ERROR|FATAL|PANIC/) ? 'bad' : '' }, str(l.level)), h('td', null, str(l.pid)),
      h('td', { class: 'break' }, str(l.message)))))) : empty('None.'),
    other.length ? [h('h3', null, 'Other records'), h('ul', null, other.map((o) => h('li', null, time(o.event_time_ms) + ' · ' + o.source
      + ' · ' + (o.summary || ''))))] : null);
}

function requestData(fields) {
  const pairs = (obj) => (obj && typeof obj === 'object' && !Array.isArray(obj) ? Object.entries(obj) : []);
  const kv = (title, obj) => {
    const entries = pairs(obj);
    return h('div', null, h('h3', null, title), entries.length === 0 ? h('p', { class: 'muted' }, 'none')
      : h('dl', { class: 'facts small' }, entries.map(([k, v]) => [h('dt', null, k),
        h('dd', { class: 'break' }, typeof v === 'object' ? JSON.stringify(v) : String(v))])));
  };
  return section('Request data', h('div', { class: 'two' }, kv('Headers', fields.headers), kv('Custom fields', fields.custom)),
    h('div', { class: 'two' }, kv('GET', fields.get), kv('POST', fields.post)));
}

function raw(payload) {
  return section('Raw payload', h('details', { id: 'raw-payload' }, h('summary', null, 'Show the payload as received'),
    h('pre', { class: 'raw' }, JSON.stringify(payload, null, 2))));
}
