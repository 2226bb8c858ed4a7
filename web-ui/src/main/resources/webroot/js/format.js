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
