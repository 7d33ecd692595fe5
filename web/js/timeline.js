// Timeline: SVG histogram of event dates for the current query (day/week/month/year by the span of
// the date range); dragging across it, or the From/To fields, set date_from/date_to.
import { el, svg, plural, fmtDate } from './dom.js';
import { setFilters, getState } from './state.js';

const DAY = 864e5;
const HEIGHT = 130;
const M = { top: 12, right: 8, bottom: 22, left: 34 };
let root, chartBox, caption, fromInput, toInput, clearBtn, last = null;

export function initTimeline(container) {
  root = container;
  fromInput = el('input', { type: 'text', id: 'date-from', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', size: 10, pattern: '\\d{4}(-\\d{2}(-\\d{2})?)?' });
  toInput = el('input', { type: 'text', id: 'date-to', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', size: 10, pattern: '\\d{4}(-\\d{2}(-\\d{2})?)?' });
  clearBtn = el('button', { type: 'button', class: 'link', id: 'clear-dates', text: 'Clear dates', onclick: () => setFilters({ date_from: '', date_to: '' }) });
  const form = el('form', { class: 'dates', onsubmit: (e) => {
    e.preventDefault();
    setFilters({ date_from: fromInput.value.trim(), date_to: toInput.value.trim() });
  } },
  el('label', { for: 'date-from', text: 'From' }), fromInput, el('label', { for: 'date-to', text: 'to' }), toInput,
  el('button', { type: 'submit', text: 'Set' }), clearBtn);
  caption = el('p', { class: 'muted small', id: 'timeline-caption' });
  chartBox = el('div', { class: 'chart' });
  root.append(el('div', { class: 'card-head' }, el('h2', { id: 'timeline-title', text: 'Timeline' }), form), chartBox, caption);
  let timer;
  new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(() => last && draw(...last), 100); }).observe(chartBox);
}

const iso = (d) => d.toISOString().slice(0, 10);

// First and last day a YYYY / YYYY-MM / YYYY-MM-DD value covers.
function span(value, end) {
  const [y, m, d] = value.split('-').map(Number);
  if (d) return Date.UTC(y, m - 1, d);
  if (m) return end ? Date.UTC(y, m, 0) : Date.UTC(y, m - 1, 1);
  return end ? Date.UTC(y, 11, 31) : Date.UTC(y, 0, 1);
}

function byDays(days) {
  if (days <= 92) return 'day';
  if (days <= 2 * 366) return 'week';
  if (days <= 25 * 366) return 'month';
  return 'year';
}

// Granularity from the date range asked for, else from the whole collection's event dates.
export function chooseGranularity(s, overall) {
  const from = s.date_from || (overall && overall.first);
  const to = s.date_to || (overall && overall.last);
  if (!from || !to || !/^\d{4}/.test(from) || !/^\d{4}/.test(to)) return 'month';
  return byDays((span(to, true) - span(from, false)) / DAY);
}

// With no date range set, a finer granularity when this query's own dates span little time.
export function refineGranularity(s, histogram, gran) {
  if (s.date_from || s.date_to || !histogram) return null;
  const used = histogram.filter((b) => b.count > 0);
  if (!used.length) return null;
  const [a] = bucketRange(used[0].key);
  const [, b] = bucketRange(used[used.length - 1].key);
  const finer = byDays((span(b, true) - span(a, false)) / DAY);
  const order = ['day', 'week', 'month', 'year'];
  return order.indexOf(finer) < order.indexOf(gran) ? finer : null;
}

// [date_from, date_to] covered by one histogram key: 2024-01-28, 2024-W04, 2024-01, 2024.
export function bucketRange(key) {
  const w = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!w) return [key, key];
  const jan4 = Date.UTC(Number(w[1]), 0, 4);
  const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY + (Number(w[2]) - 1) * 7 * DAY;
  return [iso(new Date(monday)), iso(new Date(monday + 6 * DAY))];
}

function label(key, gran) {
  if (gran === 'week') return fmtDate(bucketRange(key)[0]);
  return fmtDate(key);
}

// Axis labels [index, text] at calendar boundaries (years, months, Mondays), spaced so that
// labels do not overlap.
function ticks(buckets, gran, w) {
  const bw = w / buckets.length;
  const pick = (test, text) => {
    const out = [];
    let end = -Infinity;
    buckets.forEach((b, i) => {
      if (!test(b.key)) return;
      const t = text(b.key);
      if (i * bw < end) return;
      out.push([i, t]);
      end = i * bw + t.length * 6.5 + 8;
    });
    return out;
  };
  if (gran === 'month' && buckets.length > 18) return pick((k) => k.endsWith('-01'), (k) => k.slice(0, 4));
  if (gran === 'week' && buckets.length > 8) return pick((k) => /-0[1-7]$/.test(bucketRange(k)[0]), (k) => fmtDate(bucketRange(k)[0].slice(0, 7)));
  if (gran === 'day' && buckets.length > 14) {
    const firsts = pick((k) => k.endsWith('-01'), (k) => fmtDate(k.slice(0, 7)));
    if (firsts.length > 1 || bw * 7 < 60) return firsts.length ? firsts : pick(() => true, fmtDate);
    return pick((k) => new Date(k).getUTCDay() === 1, fmtDate);
  }
  return pick(() => true, (k) => label(k, gran));
}

export function renderTimeline(s, histogram, gran, total) {
  fromInput.value = s.date_from;
  toInput.value = s.date_to;
  clearBtn.hidden = !s.date_from && !s.date_to;
  last = [s, histogram || [], gran, total];
  draw(...last);
}

function draw(s, buckets, gran, total) {
  const dated = buckets.reduce((n, b) => n + b.count, 0);
  if (!buckets.length || !dated) {
    chartBox.replaceChildren(el('p', { class: 'muted', text: total ? 'None of these results has an event date.' : 'No results to chart.' }));
    caption.textContent = '';
    return;
  }
  const width = Math.max(chartBox.clientWidth, 240);
  const w = width - M.left - M.right, h = HEIGHT - M.top - M.bottom;
  const max = Math.max(...buckets.map((b) => b.count));
  const bw = w / buckets.length;
  const chart = svg('svg', { width, height: HEIGHT, class: 'timeline-svg', role: 'img',
    'aria-label': `Event dates by ${gran}: ${plural(dated, 'dated result')} from ${label(buckets[0].key, gran)} to ${label(buckets[buckets.length - 1].key, gran)}` });
  const g = svg('g', { transform: `translate(${M.left},${M.top})` });
  g.append(svg('line', { x1: 0, x2: w, y1: h, y2: h, class: 'axis' }),
    svg('text', { x: -6, y: 4, class: 'tick', 'text-anchor': 'end' }, String(max)),
    svg('text', { x: -6, y: h, class: 'tick', 'text-anchor': 'end' }, '0'));
  buckets.forEach((b, i) => {
    if (!b.count) return;
    const bh = Math.max(1, (b.count / max) * h);
    g.append(svg('rect', { class: 'bar', x: i * bw + (bw > 3 ? 0.5 : 0), y: h - bh, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: bh },
      svg('title', {}, `${label(b.key, gran)}: ${plural(b.count, 'result')}`)));
  });
  for (const [i, text] of ticks(buckets, gran, w)) {
    g.append(svg('line', { x1: i * bw, x2: i * bw, y1: h, y2: h + 4, class: 'axis' }),
      svg('text', { x: i * bw + 2, y: h + 15, class: 'tick' }, text));
  }
  const brush = svg('rect', { class: 'brush', x: 0, y: 0, width: 0, height: h, visibility: 'hidden' });
  const overlay = svg('rect', { class: 'overlay', x: 0, y: 0, width: w, height: h });
  g.append(brush, overlay);
  chart.append(g);
  attachBrush(overlay, brush, buckets, bw, w);
  chartBox.replaceChildren(chart);
  const range = s.date_from || s.date_to ? `${fmtDate(s.date_from) || 'the start'} – ${fmtDate(s.date_to) || 'the end'}` : 'all dates';
  caption.textContent = `${plural(dated, 'result')} with an event date, by ${gran} (${range}). Drag across the chart to pick a date range.`;
}

function attachBrush(overlay, brush, buckets, bw, w) {
  let start = null;
  const index = (e) => {
    const box = overlay.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - box.left, 0), w - 0.01);
    return Math.floor(x / bw);
  };
  const show = (a, b) => {
    const [i, j] = a <= b ? [a, b] : [b, a];
    brush.setAttribute('x', i * bw);
    brush.setAttribute('width', (j - i + 1) * bw);
    brush.setAttribute('visibility', 'visible');
  };
  overlay.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    start = index(e);
    overlay.setPointerCapture(e.pointerId);
    show(start, start);
  });
  overlay.addEventListener('pointermove', (e) => { if (start !== null) show(start, index(e)); });
  overlay.addEventListener('pointerup', (e) => {
    if (start === null) return;
    const end = index(e);
    const [i, j] = start <= end ? [start, end] : [end, start];
    start = null;
    const from = bucketRange(buckets[i].key)[0];
    const to = bucketRange(buckets[j].key)[1];
    if (from === getState().date_from && to === getState().date_to) return;
    setFilters({ date_from: from, date_to: to });
  });
  overlay.addEventListener('pointercancel', () => { start = null; brush.setAttribute('visibility', 'hidden'); });
}
