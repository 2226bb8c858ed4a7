import uPlot from '../vendor/uplot/uPlot.esm.js';

// Charts of the UI, drawn by uPlot (served from the jar). Every chart is a time series with seconds on x.

export const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7c86', '#6e7781', '#cf222e',
  '#116329', '#953800'];

export function chartWidth(target) {
  return Math.max(300, target.clientWidth || (target.parentElement ? target.parentElement.clientWidth - 40 : 800));
}

/** A line chart of several series on one scale; fmt formats the values of the axis and the legend. */
export function draw(target, title, x, lines, fmt) {
  const opts = {
    title, width: chartWidth(target), height: 220,
    series: [{}, ...lines.map(([label], i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5,
      value: fmt ? (u, v) => (v === null || v === undefined ? '–' : fmt(v)) : undefined }))],
    axes: [{}, { values: fmt ? (u, vals) => vals.map((v) => fmt(v)) : undefined, size: 70 }],
  };
  return new uPlot(opts, [x, ...lines.map(([, values]) => values)], target);
}

/** The constructor itself, for charts with several scales and hooks (the overview). */
export { uPlot };
