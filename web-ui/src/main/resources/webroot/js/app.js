import { api, setUnauthorizedHandler } from './api.js';
import { h, clear } from './dom.js';
import { renderLogin } from './views/login.js';
import { renderRequests } from './views/requests.js';
import { renderDetail } from './views/detail.js';
import { renderRoutes } from './views/routes.js';
import { renderCorrelation } from './views/correlation.js';
import { renderDatabase } from './views/database.js';
import { renderOverview } from './views/overview.js';
import { renderFlamegraph } from './views/flamegraph.js';
import { state, parseHash, go, onNavigate } from './router.js';

const main = document.getElementById('main');
const select = document.getElementById('project-select');

function currentProject(params) {
  const wanted = params.get('project');
  if (wanted && state.me.projects.includes(wanted)) return wanted;
  return state.project || state.me.projects[0] || null;
}

/** The navigation keeps the project and the selected window (from / to), so every view follows the window. */
function navQuery(params) {
  const keep = new URLSearchParams();
  if (state.project) keep.set('project', state.project);
  const from = params.get('from');
  const to = params.get('to');
  if (from && to && /^\d+$/.test(from) && /^\d+$/.test(to)) { keep.set('from', from); keep.set('to', to); }
  const text = keep.toString();
  return text ? '?' + text : '';
}

async function route() {
  if (state.cleanup) { state.cleanup(); state.cleanup = null; }
  if (!state.me) return;
  const { parts, params } = parseHash();
  state.project = currentProject(params);
  select.value = state.project || '';
  for (const link of document.querySelectorAll('[data-nav]')) {
    const active = link.dataset.nav === (parts[0] || 'overview') || (parts[0] === 'correlation' && link.dataset.nav === 'requests');
    if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    link.setAttribute('href', '#/' + link.dataset.nav + navQuery(params));
  }
  clear(main);
  if (!state.project) {
    main.append(h('p', { class: 'empty' }, 'Your user has no projects. Ask an administrator to add one.'));
    return;
  }
  const view = parts[0] || 'overview';
  try {
    if (view === 'requests' && parts[1]) await renderDetail(main, parts[1], params);
    else if (view === 'requests') await renderRequests(main, params);
    else if (view === 'routes') await renderRoutes(main, params);
    else if (view === 'correlation' && parts[1]) await renderCorrelation(main, parts[1]);
    else if (view === 'database') await renderDatabase(main, params);
    else if (view === 'overview') await renderOverview(main, params);
    else if (view === 'flamegraph') await renderFlamegraph(main, params);
    else main.append(h('p', { class: 'empty' }, 'No such page.'));
  } catch (e) {
    main.append(h('p', { class: 'error', role: 'alert' }, 'Could not load this view: ' + e.message));
  }
}

function showLogin() {
  state.me = null;
  document.getElementById('topbar').hidden = true;
  clear(main);
  renderLogin(main, async (me) => { await start(me); });
}

async function start(me) {
  state.me = me;
  document.getElementById('topbar').hidden = false;
  document.getElementById('user-name').textContent = me.user + (me.admin ? ' (admin)' : '');
  clear(select);
  for (const project of me.projects) select.append(h('option', { value: project }, project));
  await route();
}

select.addEventListener('change', () => {
  const { parts, params } = parseHash();
  params.set('project', select.value);
  params.delete('cursor');
  const view = ['routes', 'database', 'overview'].includes(parts[0]) ? parts[0] : 'requests';
  go('/' + view, Object.fromEntries(view === 'requests' ? [['project', select.value]] : params));
});

document.getElementById('logout').addEventListener('click', async () => {
  try { await api.post('/api/logout'); } finally { showLogin(); }
});

onNavigate(route);
window.addEventListener('hashchange', route);
setUnauthorizedHandler(showLogin);

api.get('/api/me').then(start).catch(showLogin);
