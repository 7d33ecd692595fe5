// Result list: articles (/api/search) or incidents (/api/incidents) with highlighted snippets,
// dates, facet chips that filter on click, export links and cursor paging.
import { el, plural, fmtDate, casualties, message } from './dom.js';
import { getState, setFilters, navigate, linkTo } from './state.js';
import { exportUrl, describeError } from './api.js';
import { remember } from './facets.js';

const root = () => document.getElementById('results');

export function resultsBusy() {
  const r = root();
  r.setAttribute('aria-busy', 'true');
  r.classList.add('busy');
  const status = r.querySelector('#status');
  if (status) status.textContent = 'Searching…';
  else r.replaceChildren(el('p', { id: 'status', role: 'status', text: 'Searching…' }));
}

export function resultsError(err, s) {
  const r = root();
  r.removeAttribute('aria-busy');
  r.classList.remove('busy');
  const actions = [];
  if (err.param && err.param !== 'q') {
    actions.push(el('button', { type: 'button', text: 'Clear all filters',
      onclick: () => setFilters({ group: [], weapon: [], location: [], source: [], date_from: '', date_to: '', bbox: '' }) }));
  }
  if (s.pages.length && err.code === 'invalid_cursor') actions.push(el('button', { type: 'button', text: 'Back to page 1', onclick: () => navigate({ pages: [] }) }));
  r.replaceChildren(el('p', { id: 'status', role: 'status', class: 'visually-hidden', text: 'Search failed' }),
    message('error', 'The search failed.', describeError(err)), ...actions);
}

function chip(facet, v) {
  const selected = getState()[facet].includes(v.id);
  return el('button', { type: 'button', class: `chip chip-${facet}${v.role === 'background' ? ' chip-bg' : ''}`,
    'aria-pressed': String(selected), title: `${selected ? 'Already filtered on' : 'Filter on'} ${v.name}${v.role === 'background' ? ' (background)' : ''}`,
    onclick: () => { if (!selected) setFilters({ [facet]: [...getState()[facet], v.id] }); } }, v.name);
}

function chips(hit) {
  const out = [];
  for (const [facet, list] of [['group', hit.groups], ['weapon', hit.weapons], ['location', hit.locations]]) {
    remember(facet, list);
    for (const v of (list || []).filter((x) => x.role !== 'background')) out.push(chip(facet, v));
  }
  if (hit.source_id) {
    remember('source', [{ id: hit.source_id, name: hit.source }]);
    out.push(chip('source', { id: hit.source_id, name: hit.source, role: 'main' }));
  }
  return out.length ? el('div', { class: 'chips', 'aria-label': 'Filter on' }, out) : null;
}

function snippet(html) {
  const p = el('p', { class: 'snippet' });
  p.innerHTML = html || '';          // the API's snippet: HTML-escaped text with <mark> only
  return p;
}

function articleHit(hit) {
  const meta = [hit.source, hit.published && `published ${fmtDate(hit.published)}`,
    hit.event_date && `event ${fmtDate(hit.event_date)}`, casualties(hit.killed, hit.injured)].filter(Boolean);
  return el('li', { class: 'hit' },
    el('h3', {}, el('a', { ...linkTo({ article: hit.id, incident: '' }), text: hit.title || '(untitled)' })),
    el('p', { class: 'meta' }, meta.join(' · '),
      hit.incident ? [' · ', el('a', { ...linkTo({ incident: hit.incident, article: '' }), text: 'incident' })] : null),
    snippet(hit.snippet), chips(hit));
}

// "K-1 Air Base, Kirkuk, Iraq": the place, the one just above it, and its country.
export function placeName(loc) {
  if (!loc) return '';
  const path = (loc.path || []).map((p) => p.name);
  return [...new Set([loc.name, path[path.length - 1], path[0]].filter(Boolean))].join(', ');
}

function incidentHit(hit) {
  const place = placeName(hit.location);
  const meta = [hit.event_date && fmtDate(hit.event_date), place, plural(hit.report_count || 0, 'report'),
    casualties(hit.killed, hit.injured)].filter(Boolean);
  return el('li', { class: 'hit' },
    el('h3', {}, el('a', { ...linkTo({ incident: hit.id, article: '' }), text: hit.title || hit.id })),
    el('p', { class: 'meta', text: meta.join(' · ') }),
    snippet(hit.snippet), chips(hit));
}

function exports(s) {
  const type = s.view === 'incidents' ? 'incident' : 'article';
  const link = (format, label) => el('a', { href: exportUrl(s, type, format), download: '', class: 'export', 'data-format': format, text: label });
  return el('p', { class: 'exports' }, `Export these ${s.view}: `, link('csv', 'CSV'), ' ', link('jsonl', 'JSON Lines'), ' ', link('geojson', 'GeoJSON'));
}

function pager(s, body) {
  const page = s.pages.length + 1;
  if (page === 1 && !body.next_cursor) return null;
  return el('nav', { class: 'pager', 'aria-label': 'Pages' },
    el('button', { type: 'button', id: 'prev-page', text: '← Previous', disabled: page === 1,
      onclick: () => { navigate({ pages: s.pages.slice(0, -1) }); root().focus(); } }),
    el('span', { text: `Page ${page}` }),
    el('button', { type: 'button', id: 'next-page', text: 'Next →', disabled: !body.next_cursor,
      onclick: () => { navigate({ pages: [...s.pages, body.next_cursor] }); root().focus(); } }));
}

export function renderResults(s, body) {
  const r = root();
  r.removeAttribute('aria-busy');
  r.classList.remove('busy');
  const what = s.view === 'incidents' ? 'incident' : 'article';
  const first = s.pages.length * 20 + 1;
  const range = body.hits.length ? ` (showing ${first}–${first + body.hits.length - 1})` : '';
  const status = el('p', { id: 'status', role: 'status' },
    el('strong', { id: 'total', 'data-total': body.total, text: plural(body.total, what) }), range,
    body.exact === false ? ' · counts approximate (time limit)' : '');
  const suggestion = body.suggestion ? el('p', { class: 'suggestion' }, 'Did you mean ',
    el('a', { ...linkTo({ q: body.suggestion, pages: [], incident: '', article: '' }), text: body.suggestion }), '?') : null;
  const head = el('div', { class: 'results-head' }, el('h2', { id: 'results-title', class: 'visually-hidden', text: 'Results' }), status, exports(s));
  if (!body.hits.length) {
    const hint = s.pages.length ? 'There are no more results.' : 'Try fewer words, another spelling, or remove a filter.';
    r.replaceChildren(...[head, suggestion, message('empty', `No ${what}s match.`, hint)].filter(Boolean));
    return;
  }
  r.replaceChildren(...[head, suggestion,
    el('ol', { id: 'hits', class: 'hits', start: first }, body.hits.map(s.view === 'incidents' ? incidentHit : articleHit)),
    pager(s, body)].filter(Boolean));
}
