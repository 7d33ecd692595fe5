// Minimal search page over /api/search: query, facet checkboxes, results with snippets.
const form = document.getElementById('search');
const input = document.getElementById('q');
const facetsEl = document.getElementById('facets');
const hitsEl = document.getElementById('hits');
const statusEl = document.getElementById('status');
const selected = { group: new Set(), weapon: new Set(), location: new Set(), source: new Set() };

function text(tag, content, cls) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

async function search() {
  const params = new URLSearchParams();
  if (input.value.trim()) params.set('q', input.value.trim());
  for (const [facet, ids] of Object.entries(selected)) for (const id of ids) params.append(facet, id);
  statusEl.textContent = 'Searching…';
  let body;
  try {
    const res = await fetch('api/search?' + params);
    body = await res.json();
    if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  } catch (err) {
    statusEl.textContent = 'Search failed: ' + err.message;
    return;
  }
  statusEl.textContent = `${body.total} article${body.total === 1 ? '' : 's'}` +
    (body.suggestion ? ` — did you mean “${body.suggestion}”?` : '');
  renderFacets(body.facets);
  hitsEl.replaceChildren(...body.hits.map(renderHit));
}

function renderFacets(facets) {
  facetsEl.replaceChildren();
  for (const [facet, result] of Object.entries(facets)) {
    facetsEl.append(text('h2', facet));
    const ul = document.createElement('ul');
    for (const v of result.values) {
      const li = document.createElement('li');
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = v.selected;
      box.addEventListener('change', () => {
        box.checked ? selected[facet].add(v.id) : selected[facet].delete(v.id);
        search();
      });
      label.append(box, ' ', v.name);
      li.append(label, text('span', String(v.count), 'meta'));
      ul.append(li);
    }
    facetsEl.append(ul);
  }
}

function renderHit(hit) {
  const li = document.createElement('li');
  const h3 = document.createElement('h3');
  if (hit.url) {
    const a = text('a', hit.title);
    a.href = hit.url;
    a.rel = 'noopener noreferrer';
    h3.append(a);
  } else {
    h3.textContent = hit.title;
  }
  const meta = [hit.source, hit.event_date && `event ${hit.event_date}`, hit.published && `published ${hit.published}`]
    .filter(Boolean).join(' · ');
  const snippet = document.createElement('p');
  snippet.innerHTML = hit.snippet;  // server-escaped text with <mark> only
  li.append(h3, text('p', meta, 'meta'), snippet);
  return li;
}

form.addEventListener('submit', (e) => { e.preventDefault(); search(); });
search();
