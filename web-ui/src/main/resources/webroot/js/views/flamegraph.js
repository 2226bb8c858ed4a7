import { api } from '../api.js';
import { h, section, empty } from '../dom.js';
import { num, windowText } from '../format.js';
import { state } from '../router.js';
import { buildTree, icicle, FLAME_NOTE } from '../flame.js';

// The flame graph of a window: the XHProf edges of all its slow requests summed by the rollups.

export async function renderFlamegraph(main, params) {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (!(from > 0 && to > from)) {
    main.append(h('h1', null, 'Flame graph'), empty('Select a window on the overview first.'));
    return;
  }
  const back = h('a', { class: 'back', href: '#/overview?project=' + encodeURIComponent(state.project) + '&from=' + from
    + '&to=' + to }, '← The window\'s analysis');
  main.append(back, h('h1', null, 'Flame graph of a window'), h('p', { class: 'window-text' }, windowText(from, to)));
  const data = await api.get('/api/flamegraph', { project: state.project, from, to });
  if (!data.edges.length) {
    main.append(section('Flame graph', empty('No XHProf data in this window.')));
    return;
  }
  const tree = buildTree(data.edges);
  const holder = h('div');
  main.append(section('Flame graph', h('p', { class: 'note' }, 'The XHProf edges of the window\'s ' + num(data.requests)
    + ' slow requests, summed; width = inclusive wall time. ' + FLAME_NOTE), holder));
  icicle(holder, tree, tree.wall, 'window-flame', params.get('search'));
}
