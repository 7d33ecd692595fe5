// Map: the incidents of the current query (GET /api/export?type=incident&format=geojson) as
// points on offline outlines (data/region.geojson), equirectangular SVG with pan and zoom;
// a point opens its incident; "Filter to map area" sets bbox.
import { el, svg, plural, casualties, fmtDate } from './dom.js';
import { getJSON, filterParams, describeError } from './api.js';
import { setFilters, navigate, urlFor, openIncident } from './state.js';

const K = Math.cos((27 * Math.PI) / 180);     // x scale: degrees of longitude are shorter here
const HOME = [25, 10, 65, 42];                // min_lon, min_lat, max_lon, max_lat
const project = ([lon, lat]) => [lon * K, -lat];
const unproject = (x, y) => [x / K, -y];
let root, box, status, sizeSelect, areaBtn, clearAreaBtn, base, pointsLayer, bboxLayer;
let view = null;                              // current viewBox {x, y, w, h}
let userMoved = false;                        // until the user pans or zooms, the view follows the data
let features = [];
let loadedKey = null;
let abort = null;
let state = null;

export function initMap(container) {
  root = container;
  sizeSelect = el('select', { id: 'map-size', onchange: () => navigate({ size: sizeSelect.value }, { replace: true }) },
    el('option', { value: 'reports', text: 'number of reports' }), el('option', { value: 'killed', text: 'people killed' }));
  areaBtn = el('button', { type: 'button', id: 'map-filter', text: 'Filter to map area', onclick: filterToView });
  clearAreaBtn = el('button', { type: 'button', class: 'link', id: 'map-clear', text: 'Clear area', onclick: () => setFilters({ bbox: '' }) });
  const zoomBtn = (text, label, fn) => el('button', { type: 'button', class: 'zoom', 'aria-label': label, text, onclick: fn });
  const controls = el('div', { class: 'map-controls' },
    zoomBtn('+', 'Zoom in', () => zoom(0.6)), zoomBtn('−', 'Zoom out', () => zoom(1 / 0.6)), zoomBtn('⟲', 'Show the whole region', reset));
  base = svg('g', { class: 'base' });
  bboxLayer = svg('g', { class: 'bbox-layer' });
  pointsLayer = svg('g', { class: 'points' });
  const chart = svg('svg', { class: 'map-svg', role: 'group', 'aria-label': 'Map of incidents' }, base, bboxLayer, pointsLayer);
  box = el('div', { class: 'map-box' }, chart, controls, el('span', { class: 'map-credit', text: 'Outlines: Natural Earth' }));
  status = el('p', { class: 'muted small', id: 'map-status', role: 'status' });
  root.append(el('div', { class: 'card-head' }, el('h2', { id: 'map-title', text: 'Map of incidents' }),
    el('label', { class: 'inline small' }, 'Size by ', sizeSelect)),
  box, el('div', { class: 'map-foot' }, status, el('span', {}, areaBtn, ' ', clearAreaBtn)));
  attachPanZoom(chart);
  new ResizeObserver(() => fit()).observe(box);
  getJSON('data/region.geojson').then(drawBase).catch((err) => { status.textContent = `Base map not loaded: ${describeError(err)}`; });
}

function ringsPath(geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polys.flatMap((rings) => rings.map((r) => 'M' + r.map((p) => project(p).map((v) => v.toFixed(3)).join(',')).join('L') + 'Z')).join('');
}

function drawBase(geo) {
  const countries = svg('g', { class: 'countries' });
  const provinces = svg('g', { class: 'provinces' });
  for (const f of geo.features) {
    const layer = f.properties.layer === 'province' ? provinces : countries;
    layer.append(svg('path', { d: ringsPath(f.geometry), 'vector-effect': 'non-scaling-stroke' },
      svg('title', {}, f.properties.layer === 'province' ? `${f.properties.name}, ${f.properties.country}` : f.properties.name)));
  }
  base.replaceChildren(countries, provinces);
}

// The viewBox keeps the element's aspect ratio, so what is visible is exactly the box.
function fit(target) {
  const cw = box.clientWidth || 600, ch = box.clientHeight || 360;
  const want = target || view || homeView();
  const cx = want.x + want.w / 2, cy = want.y + want.h / 2;
  let w = want.w, h = want.h;
  const cover = !target && !view;              // the home view fills the box, cropping
  if ((w / h > cw / ch) === cover) w = (h * cw) / ch; else h = (w * ch) / cw;
  view = { x: cx - w / 2, y: cy - h / 2, w, h };
  const chart = box.querySelector('svg');
  chart.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const scale = view.w / cw;                  // user units per screen pixel
  for (const c of pointsLayer.children) c.firstChild.setAttribute('r', c.dataset.px * scale);
  drawBbox();
}

function homeView() {
  const [x0, y0] = project([HOME[0], HOME[3]]);
  const [x1, y1] = project([HOME[2], HOME[1]]);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function reset() { view = null; userMoved = false; fit(); }

// Fits the view to the bbox filter, else to the points (at least ~6° across), else the region.
function follow() {
  const b = state.bbox ? state.bbox.split(',').map(Number) : null;
  let lon0, lat0, lon1, lat1;
  if (b && b.length === 4 && !b.some(Number.isNaN)) [lon0, lat0, lon1, lat1] = b;
  else if (features.length) {
    // points outside the region (an incident placed in London) do not pull the view away from it
    const inside = features.map((f) => f.geometry.coordinates)
      .filter(([lon, lat]) => lon >= HOME[0] && lon <= HOME[2] && lat >= HOME[1] && lat <= HOME[3]);
    if (!inside.length) return reset();
    const lons = inside.map((c) => c[0]), lats = inside.map((c) => c[1]);
    [lon0, lon1, lat0, lat1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
    const padLon = Math.max((lon1 - lon0) * 0.1, (6 - (lon1 - lon0)) / 2, 0.5), padLat = Math.max((lat1 - lat0) * 0.1, (4 - (lat1 - lat0)) / 2, 0.5);
    [lon0, lon1, lat0, lat1] = [lon0 - padLon, lon1 + padLon, lat0 - padLat, lat1 + padLat];
  } else return reset();
  const [x0, y0] = project([lon0, lat1]);
  const [x1, y1] = project([lon1, lat0]);
  fit({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
}

function zoom(f, cx, cy) {
  userMoved = true;
  const x = cx ?? view.x + view.w / 2, y = cy ?? view.y + view.h / 2;
  const w = Math.min(Math.max(view.w * f, 0.3), 200);
  const k = w / view.w;
  fit({ x: x - (x - view.x) * k, y: y - (y - view.y) * k, w, h: view.h * k });
}

function attachPanZoom(chart) {
  let drag = null;
  chart.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = chart.getBoundingClientRect();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, view.x + ((e.clientX - r.left) / r.width) * view.w, view.y + ((e.clientY - r.top) / r.height) * view.h);
  }, { passive: false });
  chart.addEventListener('pointerdown', (e) => {
    if (e.button === 0) drag = { x: e.clientX, y: e.clientY, view: { ...view }, moved: false, id: e.pointerId };
  });
  chart.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; userMoved = true; chart.setPointerCapture(drag.id); chart.classList.add('panning'); }
    const scale = drag.view.w / chart.getBoundingClientRect().width;
    fit({ ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale });
  });
  const end = () => {
    if (drag && drag.moved) {
      // the click that follows a pan must not open a point
      chart.addEventListener('click', (e) => { e.preventDefault(); e.stopPropagation(); }, { capture: true, once: true });
    }
    drag = null;
    chart.classList.remove('panning');
  };
  chart.addEventListener('pointerup', end);
  chart.addEventListener('pointercancel', end);
  chart.addEventListener('keydown', (e) => {
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (e.target !== chart || !step) return;
    e.preventDefault();
    userMoved = true;
    fit({ ...view, x: view.x + step[0] * view.w * 0.1, y: view.y + step[1] * view.h * 0.1 });
  });
  chart.setAttribute('tabindex', '0');
}

function filterToView() {
  const [lon0, lat1] = unproject(view.x, view.y);
  const [lon1, lat0] = unproject(view.x + view.w, view.y + view.h);
  const r = (v, lo, hi) => Math.min(Math.max(Math.round(v * 100) / 100, lo), hi);
  setFilters({ bbox: [r(lon0, -180, 180), r(lat0, -90, 90), r(lon1, -180, 180), r(lat1, -90, 90)].join(',') });
}

function drawBbox() {
  bboxLayer.replaceChildren();
  const b = state && state.bbox ? state.bbox.split(',').map(Number) : null;
  if (!b || b.length !== 4 || b.some(Number.isNaN)) return;
  const [x0, y0] = project([b[0], b[3]]);
  const [x1, y1] = project([b[2], b[1]]);
  bboxLayer.append(svg('rect', { class: 'bbox', x: x0, y: y0, width: x1 - x0, height: y1 - y0, 'vector-effect': 'non-scaling-stroke' }));
}

// Called on every render of the search view; fetches only when the filters changed.
export async function loadMap(s) {
  state = s;
  sizeSelect.value = s.size;
  clearAreaBtn.hidden = !s.bbox;
  if (!view) fit();
  const params = filterParams(s);
  const key = `${params}`;
  if (key === loadedKey) return drawPoints();
  loadedKey = key;
  if (abort) abort.abort();
  abort = new AbortController();
  params.set('type', 'incident');
  params.set('format', 'geojson');
  status.textContent = 'Loading incidents…';
  root.setAttribute('aria-busy', 'true');
  try {
    const geo = await getJSON('api/export', params, abort.signal);
    features = geo.features.filter((f) => f.geometry && f.geometry.type === 'Point');
  } catch (err) {
    if (err.name === 'AbortError') return;
    loadedKey = null;
    features = [];
    status.textContent = `Incidents could not be loaded: ${describeError(err)}`;
    root.removeAttribute('aria-busy');
    pointsLayer.replaceChildren();
    return;
  }
  root.removeAttribute('aria-busy');
  if (!userMoved) follow();
  drawPoints();
}

function drawPoints() {
  const value = (f) => (state.size === 'killed' ? f.properties.killed || 0 : f.properties.report_count || 1);
  const sorted = [...features].sort((a, b) => value(b) - value(a));
  const scale = view.w / (box.clientWidth || 600);
  pointsLayer.replaceChildren(...sorted.map((f) => {
    const p = f.properties;
    const [x, y] = project(f.geometry.coordinates);
    const px = Math.min(4 + 3 * Math.sqrt(value(f)), 22);
    const desc = [p.title, fmtDate(p.event_date), plural(p.report_count || 0, 'report'), casualties(p.killed, p.injured)].filter(Boolean).join(' · ');
    const a = svg('a', { class: 'map-point', href: urlFor({ incident: p.id, article: '' }), 'aria-label': desc, 'data-id': p.id },
      svg('circle', { cx: x, cy: y, r: px * scale, class: state.size === 'killed' && !p.killed ? 'zero' : null }), svg('title', {}, desc));
    a.dataset.px = px;
    a.addEventListener('click', (e) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      openIncident(p.id);
    });
    return a;
  }));
  drawBbox();
  status.textContent = features.length
    ? `${plural(features.length, 'incident')} with a place. Drag to pan, scroll or use +/− to zoom; a point opens its incident.`
    : 'No incident of these results has a place on the map.';
}
