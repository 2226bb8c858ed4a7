export function ms(value) {
  if (value === null || value === undefined) return '–';
  if (value >= 10000) return (value / 1000).toFixed(1) + ' s';
  if (value >= 100) return Math.round(value) + ' ms';
  return Number(value).toFixed(1) + ' ms';
}

export function us(value) {
  return ms(value / 1000);
}

export function bytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i];
}

export function time(msEpoch) {
  if (!msEpoch) return '–';
  const d = new Date(msEpoch);
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function shortTime(msEpoch) {
  const d = new Date(msEpoch);
  return d.toISOString().slice(5, 23).replace('T', ' ');
}

export function num(value) {
  return value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US');
}

export function pct(value) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(1) + ' %';
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function localStamp(msEpoch, seconds) {
  const d = new Date(msEpoch);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + (seconds ? ':' + pad(d.getSeconds()) : '');
}

function utcStamp(msEpoch, seconds) {
  return new Date(msEpoch).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
}

/** The browser's zone as "Europe/Berlin, UTC+01:00" (the offset at the given instant). */
export function zoneName(msEpoch) {
  const offset = -new Date(msEpoch).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const text = 'UTC' + sign + pad(Math.floor(Math.abs(offset) / 60)) + ':' + pad(Math.abs(offset) % 60);
  let name = '';
  try { name = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { name = ''; }
  return name && name !== 'UTC' ? name + ', ' + text : text;
}

/**
 * A window in one unambiguous format: ISO dates with 24-hour times, first in UTC, then in the browser's zone
 * ("2026-11-30 21:04 – 21:10 UTC (22:04 – 22:10 Europe/Berlin, UTC+01:00)"), with its length; with seconds
 * when an end is not on a whole minute.
 */
export function windowText(from, to) {
  const seconds = from % 60000 !== 0 || to % 60000 !== 0;
  const u1 = utcStamp(from, seconds);
  const u2 = utcStamp(to, seconds);
  const l1 = localStamp(from, seconds);
  const l2 = localStamp(to, seconds);
  const sameDay = (a, b) => a.slice(0, 10) === b.slice(0, 10);
  const utc = u1 + ' – ' + (sameDay(u1, u2) ? u2.slice(11) : u2) + ' UTC';
  const local = -new Date(from).getTimezoneOffset() === 0 ? ''
    : ' (' + l1 + ' – ' + (sameDay(l1, l2) ? l2.slice(11) : l2) + ' ' + zoneName(from) + ')';
  return utc + local + ', ' + duration(to - from);
}

/** A length of time in words: 6 min, 2 h 30 min, 7 days. */
export function duration(msSpan) {
  const minutes = Math.round(msSpan / 60000);
  if (minutes < 1) return Math.round(msSpan / 1000) + ' s';
  if (minutes < 60) return minutes + ' min';
  if (minutes < 2880) return Math.floor(minutes / 60) + ' h' + (minutes % 60 ? ' ' + (minutes % 60) + ' min' : '');
  return (minutes / 1440).toFixed(minutes % 1440 ? 1 : 0) + ' days';
}
