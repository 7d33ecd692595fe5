// Article page (GET /api/articles/{id}): full text with every recognised group, weapon, place and
// the event date highlighted by kind (offsets are Unicode code points), a legend, a tooltip with
// the canonical name and role, the original url and its incident.
import { el, fmtDate, casualties, message } from './dom.js';
import { getJSON, describeError } from './api.js';
import { linkTo, setFilters } from './state.js';
import { backLink } from './incident.js';

const KINDS = [['group', 'group', 'groups'], ['weapon', 'weapon', 'weapons'], ['place', 'place', 'locations']];
const tip = () => document.getElementById('tooltip');

// Mentions of one field as [{begin, end, kind, name, role, detail}], sorted, overlaps dropped.
function spans(article, field) {
  const all = [];
  for (const [kind, , key] of KINDS) {
    for (const v of article[key] || []) {
      for (const m of v.mentions || []) {
        if (m.field === field) all.push({ begin: m.begin, end: m.end, kind, name: v.name, role: m.role || v.role });
      }
    }
  }
  all.sort((a, b) => a.begin - b.begin || b.end - a.end);
  const out = [];
  for (const s of all) if (s.end > s.begin && (!out.length || s.begin >= out[out.length - 1].end)) out.push(s);
  return out;
}

// The event date expression (the API gives its text, not its offsets): first free occurrence.
function dateSpan(chars, text, article, taken) {
  const phrase = article.event_date_text;
  if (article.event_date_from !== 'text' || !phrase) return null;
  const re = new RegExp(phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const begin = Array.from(text.slice(0, m.index)).length;
    const end = begin + Array.from(m[0]).length;
    if (!taken.some((s) => s.begin < end && begin < s.end)) {
      return { begin, end, kind: 'date', name: `Event date: ${fmtDate(article.event_date)}`, role: 'main' };
    }
  }
  return null;
}

function showTip(e) {
  const mark = e.currentTarget;
  const t = tip();
  t.textContent = mark.dataset.tip;
  t.hidden = false;
  const r = mark.getBoundingClientRect();
  const left = Math.min(Math.max(8, r.left), window.innerWidth - t.offsetWidth - 8);
  const top = r.top > t.offsetHeight + 12 ? r.top - t.offsetHeight - 6 : r.bottom + 6;
  t.style.left = `${left + window.scrollX}px`;
  t.style.top = `${top + window.scrollY}px`;
}
const hideTip = () => { tip().hidden = true; };

// The text with highlighted spans; offsets index code points (Array.from), not UTF-16 units.
function highlighted(text, list, tag) {
  const chars = Array.from(text || '');
  const out = el(tag, { class: tag === 'div' ? 'article-text' : null });
  let pos = 0;
  for (const s of list) {
    if (s.begin > pos) out.append(chars.slice(pos, s.begin).join(''));
    const roleText = s.kind === 'date' ? 'event date' : `${s.kind}, ${s.role === 'main' ? 'main event' : 'background'}`;
    const mark = el('mark', { class: `ent ent-${s.kind} role-${s.role}`, tabindex: 0, 'aria-describedby': 'tooltip',
      dataset: { kind: s.kind, role: s.role, tip: s.kind === 'date' ? s.name : `${s.name} — ${roleText}` },
      onmouseenter: showTip, onfocus: showTip, onmouseleave: hideTip, onblur: hideTip }, chars.slice(s.begin, s.end).join(''));
    out.append(mark);
    pos = s.end;
  }
  if (pos < chars.length) out.append(chars.slice(pos).join(''));
  return out;
}

function withDate(text, list, article) {
  const chars = Array.from(text || '');
  const d = dateSpan(chars, text || '', article, list);
  return d ? [...list, d].sort((a, b) => a.begin - b.begin) : list;
}

function legend() {
  const item = (kind, label) => el('li', {}, el('mark', { class: `ent ent-${kind} role-main`, text: label }));
  return el('div', { class: 'legend', 'aria-label': 'Legend' }, el('ul', {},
    item('group', 'armed group'), item('weapon', 'weapon'), item('place', 'place'), item('date', 'event date'),
    el('li', {}, el('mark', { class: 'ent ent-group role-background', text: 'dashed: background' }))),
  el('p', { class: 'muted small', text: 'Solid: part of the main event. Dashed: only mentioned as context. Hover or focus a highlight for its canonical name.' }));
}

// Side panel: every recognised value with its role and number of mentions; a click searches it.
function recognised(a) {
  const facetOf = { group: 'group', weapon: 'weapon', place: 'location' };
  const titles = { group: 'Groups', weapon: 'Weapons', place: 'Places' };
  const sections = KINDS.filter(([, , key]) => (a[key] || []).length).map(([kind, , key]) => [el('h3', { text: titles[kind] }),
    el('ul', { class: 'entities' }, a[key].map((v) => el('li', {},
      el('button', { type: 'button', class: `chip chip-${facetOf[kind]}${v.role === 'background' ? ' chip-bg' : ''}`, text: v.name,
        title: `Search for ${v.name}`, onclick: () => setFilters({ [facetOf[kind]]: [v.id], q: '' }) }),
      el('span', { class: 'muted small', text: ` ${v.role === 'main' ? 'main event' : 'background'} · ${(v.mentions || []).length}×` }))))]);
  return el('aside', { class: 'card', 'aria-label': 'Recognised in this article' }, el('h2', { text: 'Recognised' }),
    sections.length ? sections : el('p', { class: 'muted', text: 'No group, weapon or place was recognised.' }));
}

export async function renderArticle(root, id) {
  root.replaceChildren(backLink(), el('p', { role: 'status', class: 'muted', text: 'Loading article…' }));
  let a;
  try {
    a = await getJSON(`api/articles/${encodeURIComponent(id)}`);
  } catch (err) {
    const title = err.code === 'not_found' ? 'There is no such article.' : 'The article could not be loaded.';
    root.replaceChildren(backLink(), message('error', title, describeError(err)));
    document.title = 'Article not found – incidex';
    return;
  }
  document.title = `${a.title} – incidex`;
  const titleSpans = withDate(a.title, spans(a, 'title'), a);
  const textSpans = spans(a, 'text');
  const textWithDate = titleSpans.some((s) => s.kind === 'date') ? textSpans : withDate(a.text, textSpans, a);
  const eventDate = a.event_date ? `event ${fmtDate(a.event_date)}${a.event_date_from === 'published' ? ' (publication date; none in the text)'
    : a.event_date_text ? ` (“${a.event_date_text}”)` : ''}` : 'no event date';
  const meta = [a.source, a.published && `published ${fmtDate(a.published)}`, eventDate, casualties(a.killed, a.injured)].filter(Boolean);
  const incidentLink = a.incident ? el('a', { ...linkTo({ incident: a.incident, article: '' }), id: 'article-incident', text: 'its incident' }) : null;
  const links = el('p', { class: 'links' },
    a.url ? el('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank', id: 'article-url', text: 'Original article ↗' }) : el('span', { class: 'muted', text: 'No original url' }),
    incidentLink ? [' · Part of ', incidentLink] : null);
  root.replaceChildren(backLink(), el('article', { class: 'detail article' },
    el('p', { class: 'kind', text: 'Article' }),
    highlighted(a.title, titleSpans, 'h1'),
    el('p', { class: 'meta', text: meta.join(' · ') }), links,
    el('div', { class: 'detail-grid article-grid' }, el('div', {}, legend(), highlighted(a.text, textWithDate, 'div')), recognised(a))));
  if (a.incident) {
    getJSON(`api/incidents/${encodeURIComponent(a.incident)}`).then((inc) => {
      incidentLink.textContent = `${inc.title} (${inc.report_count} report${inc.report_count === 1 ? '' : 's'})`;
    }).catch(() => {});
  }
}
