import { api } from '../api.js';
import { h, section, empty, clear, announce } from '../dom.js';
import { ms, num, windowText, duration, zoneName } from '../format.js';
import { state, go } from '../router.js';
import { uPlot, COLORS, chartWidth } from '../chart.js';
import { renderAnalysis } from './analysis.js';

// The start page: one chart of a project's per-minute rollups with the detected spikes shaded; dragging over
// the chart selects a window (from / to in the URL), which the analysis below and the other views follow.
// The chart's own range is range_from / range_to; zoom goes from 7 days down to single minutes.

const MINUTE = 60000;
const RANGES = { '7d': 7 * 1440 * MINUTE, '24h': 1440 * MINUTE, '6h': 360 * MINUTE, '1h': 60 * MINUTE, '15m': 15 * MINUTE };
const MIN_RANGE = 10 * MINUTE;

function floorMinute(t) {
  return Math.floor(t / MINUTE) * MINUTE;
}

function numberParam(params, name) {
  const v = params.get(name);
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

/** The chart's range: from the URL, else around the selected window, else the last 24 hours. */
function chartRange(params, win) {
  const from = numberParam(params, 'range_from');
  const to = numberParam(params, 'range_to');
  if (from !== null && to !== null && from < to) return { from, to };
  if (win) {
    const span = Math.max(3 * 3600000, (win.to - win.from) * 8);
    const end = Math.min(Date.now() + MINUTE, win.to + span / 4);
    return { from: end - span, to: end };
  }
  const now = floorMinute(Date.now()) + MINUTE;
  return { from: now - RANGES['24h'], to: now };
}

function selectedWindow(params) {
  const from = numberParam(params, 'from');
  const to = numberParam(params, 'to');
  return from !== null && to !== null && from < to ? { from, to } : null;
}

/** The URL parameters of the overview, changed by `changes` (null removes one). */
function overviewParams(params, changes) {
  const p = Object.fromEntries(params);
  p.project = state.project;
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete p[k]; else p[k] = String(v);
  }
  return p;
}

export async function renderOverview(main, params) {
  const win = selectedWindow(params);
  const range = chartRange(params, win);
  const tip = h('p', { class: 'spike-tip', id: 'spike-tip', role: 'status' }, 'Hover over a shaded spike for its explanation; '
    + 'drag over the chart to select a window.');
  const chartBox = h('div', { class: 'chart overview-chart', id: 'overview-chart' });
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Overview'), zoomBar(params, range, win)),
    h('p', { class: 'note', id: 'overview-range' }, 'Chart: ' + windowText(range.from, range.to)));
  const [overview, spikes] = await Promise.all([
    api.get('/api/overview', { project: state.project, from: range.from, to: range.to }),
    api.get('/api/spikes', { project: state.project, from: range.from, to: range.to }).catch(() => null),
  ]);
  const spikeList = spikes ? spikes.spikes : [];
  main.append(section('Slow requests, latency, database and host', h('p', { class: 'note threshold-note', id: 'threshold-note' },
    'Only requests slower than the PHP agent\'s threshold (' + ms(overview.php_threshold_ms) + ') are sent, so every '
    + 'count and time here is of slow requests: a rise can mean more traffic or the same traffic getting slower. '
    + 'One point per ' + duration(overview.step_ms) + '.' + freshness(overview)),
  chartBox, tip, spikesList(spikeList, params, spikes)));
  drawOverview(chartBox, overview, spikeList, win, tip, params);
  if (win) {
    const panel = h('div', { id: 'analysis' });
    main.append(panel);
    await renderAnalysis(panel, params, win);
  } else {
    main.append(section('Window', empty(spikeList.length ? 'Select a window: drag over the chart, or choose a spike above.'
      : 'No spike detected in this range. Drag over the chart to analyse any window.')));
  }
  announce(spikeList.length + ' spikes');
}

function freshness(overview) {
  return overview.rollup_backlog > 0 ? ' The rollups are catching up: ' + num(overview.rollup_backlog)
    + ' records are not counted yet.' : '';
}

function zoomBar(params, range, win) {
  const now = () => floorMinute(Date.now()) + MINUTE;
  const set = (from, to) => go('/overview', overviewParams(params, { range_from: Math.round(from), range_to: Math.round(to) }));
  const centre = (range.from + range.to) / 2;
  const span = range.to - range.from;
  const buttons = Object.entries(RANGES).map(([name, len]) => h('button', { type: 'button', 'data-range': name,
    onclick: () => set(now() - len, now()) }, 'last ' + name));
  const zoomOut = h('button', { type: 'button', id: 'zoom-out', onclick: () => {
    const len = Math.min(RANGES['7d'], span * 4);
    const to = Math.min(now(), centre + len / 2);
    set(to - len, to);
  } }, 'Zoom out');
  const zoomIn = win ? h('button', { type: 'button', id: 'zoom-window', onclick: () => {
    const len = Math.max(MIN_RANGE, (win.to - win.from) * 3);
    const mid = (win.from + win.to) / 2;
    set(floorMinute(mid - len / 2), floorMinute(mid + len / 2) + MINUTE);
  } }, 'Zoom to the window') : null;
  return h('div', { class: 'zoom-bar', role: 'group', 'aria-label': 'Chart range' }, buttons, zoomOut, zoomIn);
}

const SIGNAL_WORDS = {
  requests: ['slow requests', (v) => num(Math.round(v))],
  time: ['time in slow requests', ms],
  db_waiting: ['database sessions waiting', (v) => Number(v).toFixed(1)],
};

/** "time 18x its baseline of 11 s per 1 min (score 165)" for each signal of a spike. */
export function explainSpike(spike, stepMs) {
  return (spike.details || []).map((d) => {
    const [word, fmt] = SIGNAL_WORDS[d.signal] || [d.signal, String];
    const ratio = d.ratio === null || d.ratio === undefined ? 'from ' + fmt(d.baseline) + ' to ' + fmt(d.value)
      : Number(d.ratio).toFixed(1) + '× its baseline (' + fmt(d.value) + ' instead of ' + fmt(d.baseline) + ')';
    return word + ' ' + ratio + ' per ' + duration(stepMs);
  }).join('; ');
}

function spikesList(spikes, params, answer) {
  if (!answer) return h('p', { class: 'note' }, 'Spike detection is not available for this range.');
  if (spikes.length === 0) return h('p', { class: 'note', id: 'spike-list' }, 'No spike detected in this range.');
  return h('ol', { class: 'spike-list', id: 'spike-list' }, spikes.map((s) => h('li', { class: 'spike', 'data-from': s.from,
    'data-to': s.to }, h('button', { type: 'button', class: 'link-button spike-open', onclick: () => go('/overview',
    overviewParams(params, { from: s.from, to: s.to, baseline_from: null, baseline_to: null })) },
  'Spike ' + windowText(s.from, s.to)), h('span', { class: 'muted' }, ': ' + explainSpike(s, answer.step_ms)))));
}

function drawOverview(target, overview, spikes, win, tip, params) {
  const points = overview.points;
  if (points.length < 2) {
    target.append(empty('Not enough data in this range.'));
    return;
  }
  const x = points.map((p) => p.t / 1000);
  const col = (key, scale = 1) => points.map((p) => (p[key] === null || p[key] === undefined ? null : p[key] * scale));
  const line = (label, scale, i, extra) => ({ label, scale, stroke: COLORS[i], width: 1.5, ...extra });
  const fmtMs = (u, v) => (v === null || v === undefined ? '–' : ms(v));
  const fmtN = (u, v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1));
  const opts = {
    width: chartWidth(target), height: 320,
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: true }, n: {}, ms: {}, sum: {}, sess: {} },
    series: [{ value: (u, v) => (v === null ? '–' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC') },
      line('slow requests', 'n', 0, { width: 2, value: (u, v) => (v === null ? '–' : num(v)) }),
      line('p50', 'ms', 2, { value: fmtMs }), line('p95', 'ms', 1, { value: fmtMs }),
      line('PHP time', 'sum', 4, { value: fmtMs, dash: [4, 3] }), line('SQL time', 'sum', 6, { value: fmtMs, dash: [4, 3] }),
      line('db active', 'sess', 3, { value: fmtN }), line('db waiting', 'sess', 5, { value: fmtN }),
      line('db blocked', 'sess', 8, { value: fmtN, width: 2 }), line('host load', 'sess', 7, { value: fmtN })],
    axes: [{ label: 'your time zone: ' + zoneName(points[0].t), values: (u, splits) => splits.map((v) => axisTime(v * 1000,
      points[points.length - 1].t - points[0].t)) }, { scale: 'ms', label: 'p50 / p95', size: 70, values: (u, vals) => vals.map((v) => ms(v)) },
      { scale: 'n', side: 1, label: 'slow requests', size: 60, grid: { show: false } }],
    hooks: {
      drawClear: [(u) => shade(u, spikes, win)],
      setSelect: [(u) => selectWindow(u, params)],
      setCursor: [(u) => explainAtCursor(u, spikes, tip, overview.step_ms)],
    },
  };
  // eslint-disable-next-line no-new
  new uPlot(opts, [x, col('requests'), col('p50_ms'), col('p95_ms'), col('php_time_ms'), col('sql_time_ms'),
    col('db_active'), col('db_waiting'), col('db_blocked'), col('host_load')], target);
  // the ends of the time axis (uPlot fits it to the first and last point), epoch ms, for tests that drive the chart
  target.dataset.xMin = String(points[0].t);
  target.dataset.xMax = String(points[points.length - 1].t);
}

/** Axis labels in the browser's zone, 24-hour: "14:05", with the date when the chart spans days. */
function axisTime(msEpoch, span) {
  const d = new Date(msEpoch);
  const two = (n) => String(n).padStart(2, '0');
  const clock = two(d.getHours()) + ':' + two(d.getMinutes());
  return span > 36 * 3600000 ? two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + clock : clock;
}

function shade(u, spikes, win) {
  const { ctx } = u;
  const { top, height } = u.bbox;
  const band = (from, to, colour) => {
    const left = u.valToPos(from / 1000, 'x', true);
    const right = u.valToPos(to / 1000, 'x', true);
    ctx.fillStyle = colour;
    ctx.fillRect(left, top, Math.max(2, right - left), height);
  };
  ctx.save();
  for (const s of spikes) band(s.from, s.to, 'rgba(217, 83, 79, 0.18)');
  if (win) band(win.from, win.to, 'rgba(31, 95, 191, 0.14)');
  ctx.restore();
}

function selectWindow(u, params) {
  if (u.select.width < 3) return;
  const from = floorMinute(u.posToVal(u.select.left, 'x') * 1000);
  const to = floorMinute(u.posToVal(u.select.left + u.select.width, 'x') * 1000) + MINUTE;
  u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
  go('/overview', overviewParams(params, { from, to, baseline_from: null, baseline_to: null }));
}

function explainAtCursor(u, spikes, tip, stepMs) {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined) return;
  const t = u.data[0][idx] * 1000;
  const spike = spikes.find((s) => t >= s.from && t < s.to);
  const text = spike ? 'Spike ' + windowText(spike.from, spike.to) + ': ' + explainSpike(spike, stepMs) + '. Click it in the '
    + 'list below or drag over it to analyse it.' : 'Drag over the chart to select a window.';
  if (tip.textContent !== text) {
    clear(tip);
    tip.append(text);
    tip.classList.toggle('on-spike', Boolean(spike));
  }
}
