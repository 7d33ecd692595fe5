// The whole UI state lives in the URL query string: parse(), serialize(), and navigate() which
// pushes a history entry and notifies subscribers; Back/Forward (popstate) re-renders.
export const FACETS = ['group', 'weapon', 'location', 'source'];
const SINGLE = ['q', 'date_from', 'date_to', 'bbox', 'incident', 'article'];
const DEFAULTS = { sort: 'relevance', view: 'articles', role: 'main', size: 'reports' };
const CHOICES = { sort: ['relevance', 'date', '-date'], view: ['articles', 'incidents'], role: ['main', 'any'], size: ['reports', 'killed'] };

export function parse(search) {
  const p = new URLSearchParams(search);
  const s = {};
  for (const k of SINGLE) s[k] = (p.get(k) || '').trim();
  for (const [k, options] of Object.entries(CHOICES)) s[k] = options.includes(p.get(k)) ? p.get(k) : DEFAULTS[k];
  for (const f of FACETS) s[f] = [...new Set(p.getAll(f).flatMap((v) => v.split(',')).filter(Boolean))];
  s.pages = (p.get('page') || '').split(',').filter(Boolean);  // cursors of pages 2..n
  return s;
}

export function serialize(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  for (const f of FACETS) if (s[f].length) p.set(f, s[f].join(','));
  for (const k of ['date_from', 'date_to', 'bbox']) if (s[k]) p.set(k, s[k]);
  for (const k of Object.keys(CHOICES)) if (s[k] !== DEFAULTS[k]) p.set(k, s[k]);
  if (s.pages.length) p.set('page', s.pages.join(','));
  if (s.incident) p.set('incident', s.incident);
  else if (s.article) p.set('article', s.article);
  const str = p.toString();
  return str ? '?' + str : '';
}

let current = parse(location.search);
const subscribers = [];

export const getState = () => current;
export const subscribe = (fn) => subscribers.push(fn);
const notify = () => subscribers.forEach((fn) => fn(current));

// The URL of a state changed by patch (for links that also work when opened in a new tab).
export const urlFor = (patch) => location.pathname + serialize({ ...current, ...patch });

export function navigate(patch, { replace = false, scroll = false } = {}) {
  const next = { ...current, ...patch };
  const url = location.pathname + serialize(next);
  if (url !== location.pathname + location.search) history[replace ? 'replaceState' : 'pushState'](null, '', url);
  current = parse(serialize(next));
  notify();
  if (scroll) window.scrollTo({ top: 0 });
}

// Filters changed: back to page 1 of the search view.
export const setFilters = (patch) => navigate({ ...patch, pages: [], incident: '', article: '' });
export const openIncident = (id) => navigate({ incident: id, article: '' }, { scroll: true });
export const openArticle = (id) => navigate({ article: id, incident: '' }, { scroll: true });

// Link clicks that stay inside the app: plain left clicks become navigate(), others open normally.
export function linkTo(patch) {
  return {
    href: urlFor(patch),
    onclick: (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(patch, { scroll: Boolean(patch.incident || patch.article) });
    },
  };
}

window.addEventListener('popstate', () => {
  current = parse(location.search);
  notify();
});
