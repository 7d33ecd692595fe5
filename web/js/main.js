// Entry point: keeps the header controls in step with the URL state, switches between the search
// view and the incident/article pages, and runs the searches (list + facets + timeline, map).
import { getState, subscribe, navigate, setFilters, FACETS } from './state.js';
import { getJSON, filterParams } from './api.js';
import { initFacets, renderFacets, facetsBusy, renderActiveFilters } from './facets.js';
import { initTimeline, renderTimeline, chooseGranularity, refineGranularity } from './timeline.js';
import { initMap, loadMap } from './map.js';
import { renderResults, resultsBusy, resultsError } from './results.js';
import { renderIncident } from './incident.js';
import { renderArticle } from './article.js';

const $ = (id) => document.getElementById(id);
const searchView = $('search-view');
const detailView = $('detail-view');
const queryError = $('query-error');
let stats = null;              // /api/stats, for the overall event-date span
let listKey = null;            // what the shown list answers, to skip needless requests
let listAbort = null;

const filterKey = (s) => String(filterParams(s));

function syncControls(s) {
  if (document.activeElement !== $('q') || $('q').value.trim() !== s.q) $('q').value = s.q;
  $('sort').value = s.sort;
  $('role-any').checked = s.role === 'any';
  $('view-articles').setAttribute('aria-pressed', String(s.view === 'articles'));
  $('view-incidents').setAttribute('aria-pressed', String(s.view === 'incidents'));
  const active = FACETS.reduce((n, f) => n + s[f].length, 0) + (s.date_from || s.date_to ? 1 : 0) + (s.bbox ? 1 : 0);
  $('filters-toggle').textContent = active ? `Filters (${active})` : 'Filters';
}

function showQueryError(err) {
  queryError.hidden = !err;
  queryError.textContent = err ? `The search could not run: ${err.message}` : '';
}

async function runList(s) {
  if (listAbort) listAbort.abort();
  const abort = (listAbort = new AbortController());
  resultsBusy();
  facetsBusy(true);
  if (!stats) stats = await getJSON('api/stats').catch(() => ({}));
  let gran = chooseGranularity(s, stats.event_dates);
  const params = filterParams(s);
  params.set('sort', s.sort);
  params.set('per_page', '20');
  params.set('facets', FACETS.join(','));
  params.set('facet_size', '100');
  params.set('histogram', gran);
  if (s.pages.length) params.set('cursor', s.pages[s.pages.length - 1]);
  const endpoint = s.view === 'incidents' ? 'api/incidents' : 'api/search';
  let body;
  try {
    body = await getJSON(endpoint, params, abort.signal);
  } catch (err) {
    if (err.name === 'AbortError') return;
    listKey = null;
    facetsBusy(false);
    showQueryError(err.param === 'q' ? err : null);
    resultsError(err, s);
    return;
  }
  showQueryError(null);
  renderFacets(s, body.facets);
  renderActiveFilters(s);
  renderResults(s, body);
  let histogram = body.histogram;
  const finer = refineGranularity(s, histogram, gran);
  if (finer) {
    const p = filterParams(s);
    p.set('per_page', '1');
    p.set('facets', 'none');
    p.set('histogram', finer);
    try {
      histogram = (await getJSON(endpoint, p, abort.signal)).histogram;
      gran = finer;
    } catch (err) {
      if (err.name === 'AbortError') return;
    }
  }
  renderTimeline(s, histogram, gran, body.total);
}

async function showDetail(s) {
  searchView.hidden = true;
  detailView.hidden = false;
  if (s.incident) await renderIncident(detailView, s.incident);
  else await renderArticle(detailView, s.article);
  const h1 = detailView.querySelector('h1');
  if (h1 && document.activeElement === document.body) {
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  }
}

function render(s) {
  syncControls(s);
  if (s.incident || s.article) {
    showDetail(s);
    return;
  }
  detailView.hidden = true;
  detailView.replaceChildren();
  searchView.hidden = false;
  document.title = s.q ? `${s.q} – incidex` : 'incidex';
  const key = [filterKey(s), s.view, s.sort, s.pages.join(',')].join('|');
  if (key !== listKey) {
    listKey = key;
    runList(s);
  }
  loadMap(s);
}

function init() {
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setFilters({ q: $('q').value.trim() });
  });
  $('sort').addEventListener('change', () => navigate({ sort: $('sort').value, pages: [] }));
  $('role-any').addEventListener('change', () => setFilters({ role: $('role-any').checked ? 'any' : 'main' }));
  $('view-articles').addEventListener('click', () => navigate({ view: 'articles', pages: [] }));
  $('view-incidents').addEventListener('click', () => navigate({ view: 'incidents', pages: [] }));
  $('home').addEventListener('click', (e) => {
    e.preventDefault();
    navigate({ q: '', group: [], weapon: [], location: [], source: [], date_from: '', date_to: '', bbox: '', pages: [], incident: '', article: '' });
  });
  for (const [button, panel] of [['filters-toggle', 'facets'], ['viz-toggle', 'viz']]) {
    $(button).addEventListener('click', () => {
      const open = $(button).getAttribute('aria-expanded') !== 'true';
      $(button).setAttribute('aria-expanded', String(open));
      $(panel).classList.toggle('open', open);
    });
  }
  initFacets($('facets'));
  initTimeline($('timeline'));
  initMap($('map'));
  subscribe(render);
  navigate({}, { replace: true });
}

init();
