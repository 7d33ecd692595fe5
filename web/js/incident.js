// Incident page (GET /api/incidents/{id}): summary, facts with the reports they came from,
// groups with their stances, reports in time order, related incidents both ways.
import { el, plural, fmtDate, casualties, message } from './dom.js';
import { getJSON, describeError } from './api.js';
import { linkTo, setFilters } from './state.js';
import { placeName } from './results.js';

const FACT_LABELS = { date: 'Date', weapon: 'Weapon', location: 'Place', killed: 'Killed', injured: 'Injured', group: 'Group' };
const RELATED = [['responds_to', 'Responds to'], ['responded_by', 'Answered by'], ['recalls', 'Recalls'], ['recalled_by', 'Recalled by']];

export const backLink = () => el('p', { class: 'back' }, el('a', { ...linkTo({ incident: '', article: '' }), text: '← Back to results' }));

export async function renderIncident(root, id) {
  root.replaceChildren(backLink(), el('p', { role: 'status', class: 'muted', text: 'Loading incident…' }));
  let inc;
  try {
    inc = await getJSON(`api/incidents/${encodeURIComponent(id)}`);
  } catch (err) {
    const title = err.code === 'not_found' ? 'There is no such incident.' : 'The incident could not be loaded.';
    root.replaceChildren(backLink(), message('error', title, describeError(err)));
    document.title = 'Incident not found – incidex';
    return;
  }
  document.title = `${inc.title} – incidex`;
  const reports = new Map((inc.reports || []).map((r) => [r.id, r]));
  const order = [...reports.keys()];
  // A report is named by its outlet, else by its place in the list ("report 2").
  const reportName = (rid) => (reports.get(rid) && reports.get(rid).source) || `report ${order.indexOf(rid) + 1}`;
  const reportLinks = (ids) => (ids || []).flatMap((rid, i) => {
    const r = reports.get(rid);
    return [i ? ', ' : '', el('a', { ...linkTo({ article: rid, incident: '' }), text: reportName(rid), title: r ? r.title : null })];
  });
  const meta = [inc.event_date && `${fmtDate(inc.event_date)}${inc.event_date_precision === 'month' ? ' (month)' : ''}`,
    placeName(inc.location), casualties(inc.killed, inc.injured) && `at least ${casualties(inc.killed, inc.injured)}`,
    `${plural(inc.report_count || reports.size, 'report')}${inc.first_report ? `, ${fmtDate(inc.first_report)} – ${fmtDate(inc.last_report)}` : ''}`].filter(Boolean);

  const facts = (inc.facts || []).length ? el('section', { class: 'card' }, el('h2', { text: 'Facts and their sources' }),
    el('table', { class: 'facts' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Fact' }), el('th', { scope: 'col', text: 'Value' }), el('th', { scope: 'col', text: 'Reported by' }))),
      el('tbody', {}, inc.facts.map((f) => el('tr', {}, el('th', { scope: 'row', text: FACT_LABELS[f.fact] || f.fact.charAt(0).toUpperCase() + f.fact.slice(1) }),
        el('td', { text: f.text }), el('td', {}, reportLinks(f.reports))))))) : null;

  const entity = (facet, v) => el('li', {},
    el('button', { type: 'button', class: `chip chip-${facet}`, title: `Search for ${v.name}`, onclick: () => setFilters({ [facet]: [v.id] }), text: v.name }),
    (v.stances || []).length ? [' ', el('span', { class: 'muted' }, '— ', (v.stances || []).flatMap((st, i) => [i ? '; ' : '', st.stance, ' (', reportLinks([st.report]), ')']))] : null,
    v.role === 'background' ? el('span', { class: 'muted', text: ' (background)' }) : null);
  const entities = el('section', { class: 'card' }, el('h2', { text: 'Who, with what, where' }),
    [['group', 'Groups', inc.groups], ['weapon', 'Weapons', inc.weapons], ['location', 'Places', inc.locations]]
      .filter(([, , list]) => list && list.length)
      .map(([facet, title, list]) => [el('h3', { text: title }), el('ul', { class: 'entities' }, list.map((v) => entity(facet, v)))]));

  const reportList = el('section', { class: 'card', id: 'reports' }, el('h2', { text: `Reports (${reports.size})` }),
    el('ol', { class: 'reports' }, [...reports.values()].map((r) => el('li', {},
      el('a', { ...linkTo({ article: r.id, incident: '' }), text: r.title || r.id }),
      el('p', { class: 'meta' }, [r.source, r.published && `published ${fmtDate(r.published)}`, r.event_date && `event ${fmtDate(r.event_date)}`,
        casualties(r.killed, r.injured)].filter(Boolean).join(' · '),
      r.url ? [' · ', el('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank', text: 'original ↗' })] : null)))));

  const rel = inc.related || {};
  const relatedLists = RELATED.filter(([k]) => (rel[k] || []).length).map(([k, title]) => [el('h3', { text: title }),
    el('ul', { class: 'related', 'data-relation': k }, rel[k].map((x) => el('li', {},
      el('a', { ...linkTo({ incident: x.id, article: '' }), text: x.title || x.id }),
      x.summary ? el('p', { class: 'muted small', text: x.summary }) : null)))]);
  const related = el('section', { class: 'card' }, el('h2', { text: 'Related incidents' }),
    relatedLists.length ? relatedLists : el('p', { class: 'muted', text: 'No related incidents found.' }));

  root.replaceChildren(backLink(), el('article', { class: 'detail incident' },
    el('p', { class: 'kind', text: 'Incident' }), el('h1', { text: inc.title }),
    el('p', { class: 'meta', text: meta.join(' · ') }),
    inc.summary ? el('p', { class: 'summary', text: inc.summary }) : null,
    el('div', { class: 'detail-grid' }, el('div', {}, reportList, facts), el('div', {}, entities, related))));
}
