import { h, clear } from './dom.js';
import { ms, pct } from './format.js';

// An icicle (flame graph drawn top-down) from XHProf edges caller==>callee with inclusive wall times, as the agent
// sends them: only its top edges. A callee's time is split over the paths of its caller in proportion to the
// caller's time on each path; what a frame's children do not cover is its own time or edges the agent left out,
// drawn as "other". Click a frame to zoom into it; the search marks every frame whose name contains the text.

const ROW_PX = 20;
const MAX_DEPTH = 40;
const MIN_SHARE = 0.002;

/** edges: [{caller (null for a root), callee, wall_ms, calls}]. */
export function buildTree(edges) {
  const children = new Map();
  const inclusive = new Map();
  const roots = [];
  for (const e of edges) {
    if (!e.callee || !(e.wall_ms > 0)) continue;
    inclusive.set(e.callee, (inclusive.get(e.callee) || 0) + e.wall_ms);
    if (e.caller === null || e.caller === undefined || e.caller === '') roots.push(e);
    else {
      if (!children.has(e.caller)) children.set(e.caller, []);
      children.get(e.caller).push(e);
    }
  }
  const expand = (name, wall, calls, path, depth) => {
    const node = { name, wall, calls, children: [] };
    const own = inclusive.get(name) || wall;
    if (depth < MAX_DEPTH && !path.has(name)) {
      path.add(name);
      const factor = own > 0 ? Math.min(1, wall / own) : 0;
      const kids = (children.get(name) || []).map((e) => [e, e.wall_ms * factor]).sort((a, b) => b[1] - a[1]);
      let covered = 0;
      for (const [e, w] of kids) {
        const share = Math.min(w, Math.max(0, wall - covered));
        if (share <= 0) break;
        node.children.push(expand(e.callee, share, e.calls * factor, path, depth + 1));
        covered += share;
      }
      path.delete(name);
    }
    return node;
  };
  // the agent's roots; failing that, callers that are nobody's callee
  let tops = roots.map((e) => expand(e.callee, e.wall_ms, e.calls, new Set(), 0));
  if (tops.length === 0) {
    const callees = new Set(edges.map((e) => e.callee));
    const callers = [...children.keys()].filter((c) => !callees.has(c));
    tops = callers.map((c) => expand(c, children.get(c).reduce((s, e) => s + e.wall_ms, 0), 1, new Set(), 0));
  }
  if (tops.length === 1) return tops[0];
  return { name: 'all', wall: tops.reduce((s, t) => s + t.wall, 0), calls: 0, children: tops.sort((a, b) => b.wall - a.wall) };
}

function shortName(name) {
  const parts = String(name).split('\\');
  return parts[parts.length - 1];
}

/**
 * Renders the icicle of `tree` into `holder`: a search field, the frames, and a line describing the frame under
 * the pointer. `total` is the time shares are relative to (the request's duration, or the window's root).
 */
export function icicle(holder, tree, total, idPrefix, initialSearch) {
  const search = h('input', { type: 'search', id: idPrefix + '-search', placeholder: 'function name',
    'aria-label': 'Search a function in the flame graph' });
  search.value = initialSearch || '';
  const found = h('span', { class: 'muted', id: idPrefix + '-found' });
  const reset = h('button', { type: 'button', id: idPrefix + '-reset', hidden: true }, 'Show all');
  const info = h('p', { class: 'flame-info', id: idPrefix + '-info' }, 'Click a frame to zoom into it.');
  const canvas = h('div', { class: 'flame', id: idPrefix, role: 'group', 'aria-label': 'Flame graph' });
  let zoomRoot = tree;
  const draw = () => {
    clear(canvas);
    let depth = 0;
    const place = (node, left, width, level) => {
      if (width < MIN_SHARE) return;
      depth = Math.max(depth, level);
      const frame = h('button', { type: 'button', class: 'frame', 'data-name': node.name, title: node.name + ': '
        + ms(node.wall) + ' (' + pct(node.wall / total * 100) + ')' }, shortName(node.name));
      frame.style.left = (left * 100).toFixed(3) + '%';
      frame.style.width = (width * 100).toFixed(3) + '%';
      frame.style.top = (level * ROW_PX) + 'px';
      frame.addEventListener('click', () => { zoomRoot = node; reset.hidden = node === tree; draw(); });
      frame.addEventListener('mouseenter', () => { info.textContent = node.name + ': ' + ms(node.wall) + ', '
        + pct(node.wall / total * 100) + ' of the total' + (node.calls ? ', ' + Math.round(node.calls) + ' calls' : ''); });
      canvas.append(frame);
      let x = left;
      let covered = 0;
      for (const child of node.children) {
        const w = width * (child.wall / node.wall);
        place(child, x, w, level + 1);
        x += w;
        covered += child.wall;
      }
      const rest = node.wall - covered;
      if (node.children.length && rest / zoomRoot.wall >= 0.01) {
        const other = h('span', { class: 'frame other', title: ms(rest) + ' in ' + node.name + ' itself or in calls the '
          + 'agent did not send' }, 'other');
        other.style.left = (x * 100).toFixed(3) + '%';
        other.style.width = (width * rest / node.wall * 100).toFixed(3) + '%';
        other.style.top = ((level + 1) * ROW_PX) + 'px';
        canvas.append(other);
      }
    };
    place(zoomRoot, 0, 1, 0);
    canvas.style.height = ((depth + 2) * ROW_PX) + 'px';
    mark();
  };
  const mark = () => {
    const text = search.value.trim().toLowerCase();
    let count = 0;
    for (const frame of canvas.querySelectorAll('.frame[data-name]')) {
      const hit = text !== '' && frame.dataset.name.toLowerCase().includes(text);
      frame.classList.toggle('match', hit);
      if (hit) count++;
    }
    found.textContent = text ? count + ' frames match' : '';
  };
  search.addEventListener('input', mark);
  reset.addEventListener('click', () => { zoomRoot = tree; reset.hidden = true; draw(); });
  holder.append(h('div', { class: 'flame-tools' }, h('label', { class: 'inline' }, 'Search ', search), found, reset), canvas, info);
  draw();
}

export const FLAME_NOTE = 'The agent sends only its top edges (caller ==> callee with inclusive time): "other" is time '
  + 'of a function itself or of calls it did not send, so it is not split further.';
