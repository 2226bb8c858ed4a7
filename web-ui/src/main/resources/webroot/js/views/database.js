import { api } from '../api.js';
import { h, table, empty } from '../dom.js';
import { time } from '../format.js';
import { state, go } from '../app.js';

const KINDS = { sessions: 'Sessions', locks: 'Lock waits', statements: 'Statements', logs: 'Log lines', metrics: 'Host metrics' };
const ITEMS = { sessions: 'sessions', locks: 'locks', statements: 'statements', logs: 'entries' };

export async function renderDatabase(main, params) {
  const kind = KINDS[params.get('kind')] ? params.get('kind') : 'sessions';
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Database data' }, Object.entries(KINDS).map(([k, label]) => h('a', {
    href: '#/database?project=' + encodeURIComponent(state.project) + '&kind=' + k, 'aria-current': k === kind ? 'page' : null }, label)));
  main.append(h('h1', null, 'Database (pg-agent)'), tabs);
  const query = { project: state.project, kind: undefined, limit: 20, before: params.get('before') };
  const data = await api.get('/api/database/' + kind, query);
  if (data.records.length === 0) {
    main.append(empty('No ' + KINDS[kind].toLowerCase() + ' received for this project.'));
    return;
  }
  for (const record of data.records) {
    const d = record.data || {};
    const items = ITEMS[kind] && Array.isArray(d[ITEMS[kind]]) ? d[ITEMS[kind]] : null;
    main.append(h('section', { class: 'panel' }, h('h2', null, time(record.event_time_ms), ' · ', record.summary || ''),
      items ? itemsTable(items) : metrics(d)));
  }
  if (data.next_before) {
    main.append(h('button', { type: 'button', onclick: () => go('/database', { project: state.project, kind, before: data.next_before }) },
      'Older →'));
  }
}

function itemsTable(items) {
  if (items.length === 0) return empty('No entries.');
  const keys = [...new Set(items.flatMap((i) => (i && typeof i === 'object' ? Object.keys(i) : [])))].slice(0, 8);
  return h('div', { class: 'table-wrap' }, table(keys.map((k) => ({ label: k })), items.slice(0, 100).map((i) => h('tr', null,
    keys.map((k) => h('td', { class: 'break' }, i[k] === null || i[k] === undefined ? '–'
      : typeof i[k] === 'object' ? JSON.stringify(i[k]) : String(i[k])))))));
}

function metrics(d) {
  const rows = [];
  for (const [group, values] of Object.entries(d)) {
    if (values && typeof values === 'object') {
      rows.push(h('tr', null, h('th', { scope: 'row' }, group), h('td', { class: 'break' }, Object.entries(values).slice(0, 12)
        .map(([k, v]) => k + ' ' + (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' · '))));
    }
  }
  return rows.length ? h('table', { class: 'data' }, h('tbody', null, rows)) : empty('No metrics.');
}
