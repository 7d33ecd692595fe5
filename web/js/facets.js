// Facet sidebar (group, weapon, location as a country → province → place tree, source): counts,
// multi-select, show more, search inside a facet (/api/facets/{facet}?prefix=), clear; and the
// bar of active filters above the results.
import { el, plural, fmtDate } from './dom.js';
import { FACETS, setFilters, getState } from './state.js';
import { getJSON, filterParams, describeError } from './api.js';

const LABELS = { group: ['Groups', 'group'], weapon: ['Weapons', 'weapon'], location: ['Places', 'place'], source: ['Outlets', 'outlet'] };
const SHOWN = 8;                        // values listed before "show more"
const names = Object.fromEntries(FACETS.map((f) => [f, new Map()]));
const sections = {};
const expanded = new Set();             // location tree nodes opened by the user
let container;

export const nameOf = (facet, id) => names[facet].get(id) || id;
export function remember(facet, values) {
  for (const v of values || []) if (v && v.id && v.name) names[facet].set(v.id, v.name);
}

function toggleValue(facet, id, on) {
  const cur = getState()[facet];
  setFilters({ [facet]: on ? [...cur, id] : cur.filter((x) => x !== id) });
}

function valueRow(facet, v, extra) {
  const box = el('input', { type: 'checkbox', checked: v.selected, onchange: (e) => toggleValue(facet, v.id, e.target.checked) });
  box.dataset.id = v.id;
  return el('div', { class: 'facet-row' }, extra,
    el('label', {}, box, el('span', { class: 'facet-name', text: v.name }),
      el('span', { class: 'count', text: v.count.toLocaleString('en') })));
}

export function initFacets(root) {
  container = root;
  const head = el('div', { class: 'facets-head' }, el('h2', { text: 'Filters' }),
    el('button', { type: 'button', class: 'link', id: 'clear-all', hidden: true, text: 'Clear all', onclick: clearAll }));
  root.append(head);
  for (const facet of FACETS) {
    const [title, one] = LABELS[facet];
    const s = { facet, open: false, data: null };
    s.clear = el('button', { type: 'button', class: 'link', hidden: true, text: 'Clear', 'aria-label': `Clear ${title.toLowerCase()}`,
      onclick: () => setFilters({ [facet]: [] }) });
    s.input = el('input', { type: 'search', class: 'facet-search', placeholder: `Find a ${one}…`, 'aria-label': `Find a ${one}`, autocomplete: 'off' });
    s.list = el('div', { class: 'facet-values' });
    s.more = el('button', { type: 'button', class: 'link more', hidden: true, 'aria-expanded': 'false',
      onclick: () => { s.open = !s.open; draw(s); } });
    let timer;
    s.input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => draw(s), 200); });
    s.input.addEventListener('keydown', (e) => { if (e.key === 'Escape' && s.input.value) { s.input.value = ''; draw(s); } });
    root.append(el('section', { class: 'facet', 'data-facet': facet, 'aria-label': title },
      el('div', { class: 'facet-head' }, el('h3', { text: title }), s.clear), s.input, s.list, s.more));
    sections[facet] = s;
  }
}

function clearAll() {
  setFilters({ group: [], weapon: [], location: [], source: [], date_from: '', date_to: '', bbox: '' });
}

export function facetsBusy(on) {
  container.classList.toggle('busy', on);
}

export function renderFacets(state, facets) {
  facetsBusy(false);
  for (const facet of FACETS) {
    const s = sections[facet];
    s.data = facets[facet] || { values: [], other: 0 };
    remember(facet, s.data.values);
    s.clear.hidden = state[facet].length === 0;
    draw(s);
  }
  document.getElementById('clear-all').hidden = !hasFilters(state);
}

const hasFilters = (s) => FACETS.some((f) => s[f].length) || s.date_from || s.date_to || s.bbox;

async function draw(s) {
  const prefix = s.input.value.trim();
  if (prefix) return drawSearch(s, prefix);
  const values = s.data ? s.data.values : [];
  const selected = values.filter((v) => v.selected);
  const rest = values.filter((v) => !v.selected);
  const nodes = [];
  if (selected.length) nodes.push(el('div', { class: 'pinned' }, selected.map((v) => valueRow(s.facet, v))));
  let hidden = 0;
  if (s.facet === 'location') {
    const roots = tree(values);
    const shown = s.open ? roots : roots.slice(0, SHOWN);
    hidden = roots.length - shown.length;
    if (shown.length) nodes.push(el('ul', { class: 'tree', role: 'list' }, shown.map((n) => treeNode(n))));
  } else {
    const shown = s.open ? rest : rest.slice(0, SHOWN);
    hidden = rest.length - shown.length;
    nodes.push(shown.map((v) => valueRow(s.facet, v)));
  }
  if (!values.length) nodes.push(el('p', { class: 'muted', text: 'None in these results.' }));
  if (s.open && s.data && s.data.other) nodes.push(el('p', { class: 'muted', text: `${plural(s.data.other, 'more value')} not listed: use the search box.` }));
  s.list.replaceChildren(...nodes.flat());
  s.more.hidden = !s.open && hidden <= 0;
  s.more.textContent = s.open ? 'Show fewer' : `Show ${hidden} more`;
  s.more.setAttribute('aria-expanded', String(s.open));
}

// Location values as a forest, by their `parent`; selected values are pinned above instead, their
// children hang from the nearest unselected ancestor.
function tree(values) {
  const byId = new Map(values.map((v) => [v.id, { v, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    if (node.v.selected) continue;
    let parent = byId.get(node.v.parent);
    while (parent && parent.v.selected) parent = byId.get(parent.v.parent);
    (parent ? parent.children : roots).push(node);
  }
  const byCount = (a, b) => b.v.count - a.v.count || a.v.name.localeCompare(b.v.name);
  for (const node of byId.values()) node.children.sort(byCount);
  return roots.sort(byCount);
}

function treeNode(node) {
  const { v, children } = node;
  const open = expanded.has(v.id);
  let toggle = el('span', { class: 'tree-spacer' });
  const sub = children.length ? el('ul', { class: 'tree', role: 'list', hidden: !open }, children.map(treeNode)) : null;
  if (children.length) {
    toggle = el('button', { type: 'button', class: 'tree-toggle', 'aria-expanded': String(open),
      'aria-label': `${open ? 'Hide' : 'Show'} places in ${v.name}`, text: open ? '▾' : '▸' });
    toggle.addEventListener('click', () => {
      const now = !expanded.has(v.id);
      if (now) expanded.add(v.id); else expanded.delete(v.id);
      sub.hidden = !now;
      toggle.textContent = now ? '▾' : '▸';
      toggle.setAttribute('aria-expanded', String(now));
      toggle.setAttribute('aria-label', `${now ? 'Hide' : 'Show'} places in ${v.name}`);
    });
  }
  return el('li', {}, valueRow('location', v, toggle), sub);
}

let searchSeq = 0;
async function drawSearch(s, prefix) {
  const seq = ++searchSeq;
  const params = filterParams(getState());
  params.set('prefix', prefix);
  params.set('limit', '20');
  s.list.setAttribute('aria-busy', 'true');
  let body;
  try {
    body = await getJSON(`api/facets/${s.facet}`, params);
  } catch (err) {
    if (seq !== searchSeq) return;
    s.list.replaceChildren(el('p', { class: 'error-text', text: `Could not search: ${describeError(err)}` }));
    return;
  } finally {
    s.list.removeAttribute('aria-busy');
  }
  if (seq !== searchSeq || s.input.value.trim() !== prefix) return;
  remember(s.facet, body.values);
  const values = [...body.values].sort((a, b) => (b.selected - a.selected) || (b.count - a.count));
  s.list.replaceChildren(...(values.length ? values.map((v) => valueRow(s.facet, v))
    : [el('p', { class: 'muted', text: `No ${LABELS[s.facet][1]} starts with “${prefix}”.` })]));
  s.more.hidden = true;
}

// Chips above the results, one per active filter, each removable; plus "Clear all".
export function renderActiveFilters(state) {
  const bar = document.getElementById('active-filters');
  const chips = [];
  const chip = (label, patch) => el('button', { type: 'button', class: 'chip chip-active', onclick: () => setFilters(patch),
    'aria-label': `Remove filter ${label}` }, el('span', { text: label }), el('span', { 'aria-hidden': 'true', class: 'x', text: '×' }));
  for (const f of FACETS) {
    for (const id of state[f]) chips.push(chip(`${LABELS[f][1]}: ${nameOf(f, id)}`, { [f]: state[f].filter((x) => x !== id) }));
  }
  if (state.date_from || state.date_to) {
    chips.push(chip(`dates: ${fmtDate(state.date_from) || '…'} – ${fmtDate(state.date_to) || '…'}`, { date_from: '', date_to: '' }));
  }
  if (state.bbox) chips.push(chip('map area', { bbox: '' }));
  if (state.role === 'any') chips.push(chip('with background mentions', { role: 'main' }));
  if (chips.length > 1) chips.push(el('button', { type: 'button', class: 'link', text: 'Clear all filters', onclick: clearAll }));
  bar.replaceChildren(...chips);
  bar.hidden = chips.length === 0;
}
