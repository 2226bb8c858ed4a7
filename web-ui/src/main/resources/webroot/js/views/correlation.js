import { api } from '../api.js';
import { h, section, table, empty } from '../dom.js';
import { ms, time } from '../format.js';

export async function renderCorrelation(main, id) {
  const data = await api.get('/api/correlation/' + encodeURIComponent(id));
  main.append(h('h1', null, 'Correlation ', h('code', null, id)));
  if (data.records.length === 0) {
    main.append(empty('Nothing in your projects carries this correlation id.'));
    return;
  }
  const rows = data.records.map((r) => h('tr', null, h('td', { class: 'nowrap' }, time(r.event_time_ms)),
    h('td', null, h('span', { class: 'badge' }, r.source)), h('td', null, r.project),
    h('td', null, r.kind === 'php' ? h('a', { href: '#/requests/' + Number(r.id) + '?project=' + encodeURIComponent(r.project) },
      (r.method || '') + ' ' + (r.route || '') + ' · ' + ms(r.duration_ms))
      : (r.summary || '') + (r.items && r.items.length ? ' · ' + r.items.length + ' matching entries' : ''))));
  main.append(section('Everything sharing this id, in time order', h('div', { class: 'table-wrap' },
    table([{ label: 'Time' }, { label: 'Source' }, { label: 'Project' }, { label: 'What' }], rows))));
}
