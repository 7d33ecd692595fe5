// JSON API client: fetch with the API's error shape turned into ApiError, request parameters
// built from the UI state, and export URLs.
import { FACETS } from './state.js';

export class ApiError extends Error {
  constructor(code, message, param) {
    super(message);
    this.code = code;
    this.param = param || null;
  }
}

// Query and filter parameters shared by search, incidents, facets and export.
export function filterParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  for (const f of FACETS) if (s[f].length) p.set(f, s[f].join(','));
  for (const k of ['date_from', 'date_to', 'bbox']) if (s[k]) p.set(k, s[k]);
  if (s.role !== 'main') p.set('role', s.role);
  return p;
}

export async function getJSON(path, params, signal) {
  const url = params && String(params) ? `${path}?${params}` : path;
  let res;
  try {
    res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('network', 'The server could not be reached. Is incidex-serve running?');
  }
  let body = null;
  try {
    body = await res.json();
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(`http_${res.status}`, `The server answered ${res.status} ${res.statusText} with no JSON.`);
  }
  if (!res.ok) {
    const e = (body && body.error) || {};
    throw new ApiError(e.code || `http_${res.status}`, e.message || res.statusText, e.param);
  }
  return body;
}

export function exportUrl(s, type, format) {
  const p = filterParams(s);
  p.set('type', type);
  p.set('format', format);
  return `api/export?${p}`;
}

// "Search failed: message (parameter q)" from any error.
export function describeError(err) {
  const param = err.param ? ` (parameter “${err.param}”)` : '';
  return `${err.message}${param}`;
}
