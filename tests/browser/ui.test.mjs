// Browser test of the web UI: indexes sample_corpus into a temp dir, starts incidex-serve on a free
// port, and drives Debian's headless chromium (playwright-core) through search, facets, timeline,
// map, incident and article pages, Back, export and a narrow screen. Screenshots go to
// build/browser-artifacts/. Run: node --test tests/browser/   (INCIDEX_BIN_DIR: the binaries)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const { chromium } = await import('playwright-core').catch(() => {
  throw new Error('playwright-core is missing: run scripts/install-deps (npm ci in tests/browser)');
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = process.env.INCIDEX_BIN_DIR || path.join(repo, 'build', 'bin');
const artifacts = path.join(repo, 'build', 'browser-artifacts');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let tmp, server, base, browser;

function startServer(db) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(bin, 'incidex-serve'), ['--db', db, '--port', '0', '--web', path.join(repo, 'web')],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`incidex-serve did not start: ${out}`)), 15000);
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`incidex-serve exited with ${code}: ${out}`)));
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.resume();
        resolve({ proc, url: m[1] });
      }
    });
  });
}

const api = async (p) => (await fetch(base + p)).json();

// A page that records console errors, page errors and CSP violations; check() asserts none.
async function openPage(url, viewport = { width: 1400, height: 950 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(base + url);
  page.check = () => assert.deepEqual(problems, [], 'no console error or CSP violation');
  page.done = async () => { page.check(); await context.close(); };
  return page;
}

const total = async (page) => Number(await page.locator('#total').getAttribute('data-total'));
const waitUrl = (page, re) => page.waitForURL(re, { timeout: 10000 });
const idle = (page) => page.waitForFunction(() => !document.querySelector('#results[aria-busy], #map[aria-busy]'));
const shot = (page, name, opts = {}) => page.screenshot({ path: path.join(artifacts, name), ...opts });
const params = (page) => new URL(page.url()).searchParams;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps (apt package chromium)`);
  tmp = mkdtempSync(path.join(tmpdir(), 'incidex-browser-'));
  mkdirSync(artifacts, { recursive: true });
  execFileSync(path.join(bin, 'incidex-index'), ['build', '--db', path.join(tmp, 'db'), path.join(repo, 'sample_corpus')], { stdio: 'ignore' });
  server = await startServer(path.join(tmp, 'db'));
  base = server.url;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) { server.proc.removeAllListeners('exit'); server.proc.kill('SIGTERM'); }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
process.on('exit', () => { if (server) server.proc.kill('SIGKILL'); });

describe('incidex web UI', () => {
  it('searches and shows highlighted hits', async () => {
    const page = await openPage('/');
    await page.fill('#q', 'rocket');
    await page.press('#q', 'Enter');
    await waitUrl(page, /q=rocket/);
    await idle(page);
    assert.ok(await total(page) > 0);
    assert.ok(await page.locator('#hits > li').count() > 0);
    assert.ok(await page.locator('#hits .snippet mark').count() > 0, `snippets highlight matches: ${page.url()} ${await page.locator('#hits').innerHTML()}`.slice(0, 800));
    await page.waitForSelector('.map-point');
    await shot(page, 'search-results.png');
    await page.done();
  });

  it('narrows results and counts when a facet value is clicked', async () => {
    const page = await openPage('/');
    await idle(page);
    const before = await total(page);
    const rocket = page.locator('.facet[data-facet=weapon] label', { has: page.locator('input[data-id=rocket]') }).first();
    const count = Number(await rocket.locator('.count').textContent());
    const groupCounts = async () => page.locator('.facet[data-facet=group] .count').allTextContents();
    const groupsBefore = await groupCounts();
    await rocket.locator('input').check();
    await waitUrl(page, /weapon=rocket/);
    await idle(page);
    assert.equal(await total(page), count, 'total equals the facet count');
    assert.ok(count < before);
    assert.notDeepEqual(await groupCounts(), groupsBefore, 'other facets recount');
    assert.ok(await page.locator('.facet[data-facet=weapon] .pinned input[data-id=rocket]').isChecked(), 'selected value pinned on top');
    await page.done();
  });

  it('searches inside a facet by alias', async () => {
    const page = await openPage('/');
    await idle(page);
    await page.fill('.facet[data-facet=group] .facet-search', 'qata');
    const kh = page.locator('.facet[data-facet=group] label', { hasText: 'Kataib Hezbollah' });
    await kh.waitFor();
    await kh.locator('input').check();
    await waitUrl(page, /group=kataib-hezbollah/);
    await page.done();
  });

  it('sets a date range by brushing the timeline', async () => {
    const page = await openPage('/');
    await idle(page);
    const before = await total(page);
    const box = await page.locator('.timeline-svg .overlay').boundingBox();
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.75, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.99, y, { steps: 5 });
    await page.mouse.up();
    await waitUrl(page, /date_from=.*date_to=/);
    await idle(page);
    const p = params(page);
    assert.match(p.get('date_from'), /^\d{4}(-\d{2}){0,2}$/);
    assert.equal(await page.inputValue('#date-from'), p.get('date_from'));
    const after = await total(page);
    assert.ok(after > 0 && after < before, `brush narrows ${before} to ${after}`);
    await page.click('#clear-dates');
    await page.waitForURL((u) => !u.searchParams.has('date_from'));
    await page.done();
  });

  it('opens an incident from a map point and lists its reports', async () => {
    const page = await openPage('/');
    await idle(page);
    await page.waitForSelector('.map-point');
    await shot(page, 'map.png', { clip: await page.locator('#map').boundingBox() });
    const point = page.locator('.map-point').last();
    const id = await point.getAttribute('data-id');
    await point.click();
    await waitUrl(page, new RegExp(`incident=${id}`));
    const inc = await api(`/api/incidents/${id}`);
    await page.waitForSelector('#reports li');
    assert.equal(await page.locator('h1').textContent(), inc.title);
    assert.equal(await page.locator('#reports li').count(), inc.reports.length);
    await page.done();
  });

  it('filters to the map area', async () => {
    const page = await openPage('/?view=incidents');
    await idle(page);
    const before = await total(page);
    await page.click('button[aria-label="Show the whole region"]');
    const box = await page.locator('.map-svg').boundingBox();
    // zoom in around Baghdad and keep what is in view
    const [x, y] = await page.evaluate(() => {
      const svg = document.querySelector('.map-svg');
      const pt = svg.createSVGPoint();
      [pt.x, pt.y] = [44.4 * Math.cos((27 * Math.PI) / 180), -33.3];
      const p = pt.matrixTransform(svg.getScreenCTM());
      return [p.x, p.y];
    });
    await page.mouse.move(x, y);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
    await page.click('#map-filter');
    await waitUrl(page, /bbox=/);
    await idle(page);
    const bbox = params(page).get('bbox').split(',').map(Number);
    assert.ok(bbox[0] < 44.4 && bbox[2] > 44.4 && bbox[1] < 33.3 && bbox[3] > 33.3, `bbox ${bbox} holds Baghdad`);
    const after = await total(page);
    assert.ok(after > 0 && after < before, `map area narrows ${before} to ${after}`);
    assert.equal(await page.locator('.map-point').count(), after, 'one point per incident in the area');
    assert.ok(box.width > 0);
    await page.click('#map-clear');
    await page.waitForURL((u) => !u.searchParams.has('bbox'));
    await page.done();
  });

  it('shows an incident page with facts, reports and related incidents', async () => {
    const list = await api('/api/incidents?per_page=100&facets=none');
    const hit = list.hits.filter((h) => h.report_count >= 3).sort((a, b) => b.report_count - a.report_count)[0];
    const inc = await api(`/api/incidents/${hit.id}`);
    const page = await openPage(`/?incident=${hit.id}`);
    await page.waitForSelector('#reports li');
    const titles = await page.locator('#reports li > a').allTextContents();
    assert.deepEqual(titles, inc.reports.map((r) => r.title), 'reports in time order');
    assert.ok(await page.locator('table.facts tbody tr').count() > 0);
    const related = Object.values(inc.related).reduce((n, l) => n + l.length, 0);
    assert.equal(await page.locator('ul.related li').count(), related);
    await shot(page, 'incident.png', { fullPage: true });
    await page.locator('#reports li > a').first().click();
    await waitUrl(page, new RegExp(`article=${inc.reports[0].id}`));
    await page.waitForSelector('.article-text');
    await page.done();
  });

  it('highlights entities by kind on the article page', async () => {
    const hits = (await api('/api/search?q=rocket&per_page=20&facets=none')).hits;
    let article;
    for (const h of hits) {
      const a = await api(`/api/articles/${h.id}`);
      if (a.groups.length && a.weapons.length && a.locations.length && a.event_date_from === 'text') { article = a; break; }
    }
    assert.ok(article, 'an article with every kind');
    const page = await openPage(`/?article=${article.id}`);
    await page.waitForSelector('.article-text');
    for (const [kind, key] of [['group', 'groups'], ['weapon', 'weapons'], ['place', 'locations']]) {
      const want = article[key].flatMap((v) => v.mentions.filter((m) => m.field === 'text').map((m) => m.text));
      const got = await page.locator(`.article-text mark.ent-${kind}`).allTextContents();
      assert.ok(got.length > 0, `${kind} highlighted`);
      for (const text of got) assert.ok(want.includes(text), `${kind} highlight "${text}" is a mention of ${article.id}: ${JSON.stringify(got)}`);
    }
    assert.equal(await page.locator('h1 mark.ent-date, .article-text mark.ent-date').count(), 1, 'event date highlighted once');
    const colors = await page.evaluate(() => ['group', 'weapon', 'place', 'date'].map((k) =>
      getComputedStyle(document.querySelector(`.article-text mark.ent-${k}.role-main, h1 mark.ent-${k}.role-main, .article-text mark.ent-${k}`)).borderBottomColor));
    assert.equal(new Set(colors).size, 4, 'one colour per kind');
    const mark = page.locator('.article-text mark.ent-group').first();
    await mark.focus();
    await page.waitForSelector('#tooltip:not([hidden])');
    const tip = await page.locator('#tooltip').textContent();
    assert.ok(article.groups.some((g) => tip.startsWith(g.name)), `tooltip names the group: ${tip}`);
    assert.match(tip, /main event|background/);
    if (article.url) assert.equal(await page.locator('#article-url').getAttribute('href'), article.url);
    assert.ok(await page.locator('#article-incident').count() === 1);
    await shot(page, 'article.png', { fullPage: true });
    await page.done();
  });

  it('restores the previous state on Back', async () => {
    const page = await openPage('/?q=rocket');
    await idle(page);
    const rocketTotal = await total(page);
    await page.locator('.facet[data-facet=location] input[data-id=iq]').first().check();
    await waitUrl(page, /location=iq/);
    await idle(page);
    const iqTotal = await total(page);
    await page.fill('#q', 'drone');
    await page.press('#q', 'Enter');
    await waitUrl(page, /q=drone/);
    await idle(page);
    await page.goBack();
    await waitUrl(page, /q=rocket&location=iq/);
    await idle(page);
    assert.equal(await page.inputValue('#q'), 'rocket');
    assert.equal(await total(page), iqTotal);
    assert.ok(await page.locator('.facet[data-facet=location] input[data-id=iq]').first().isChecked());
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('location'));
    await idle(page);
    assert.equal(await total(page), rocketTotal);
    assert.equal(await page.locator('.facet[data-facet=location] input[data-id=iq]:checked').count(), 0);
    await page.goForward();
    await waitUrl(page, /location=iq/);
    await page.done();
  });

  it('exports as many rows as the shown total', async () => {
    const page = await openPage('/?q=rocket&location=iq');
    await idle(page);
    const shown = await total(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.export[data-format=csv]')]);
    const file = path.join(artifacts, 'export.csv');
    await download.saveAs(file);
    assert.equal(csvRows(readFileSync(file, 'utf8')).length - 1, shown, 'CSV rows (minus header) = total');
    await page.click('#view-incidents');
    await waitUrl(page, /view=incidents/);
    await idle(page);
    const incidents = await total(page);
    const href = await page.locator('a.export[data-format=jsonl]').getAttribute('href');
    const lines = (await (await fetch(new URL(href, page.url())).then((r) => r.text()))).split('\n').filter(Boolean);
    assert.equal(lines.length, incidents, 'JSON Lines rows = incident total');
    await page.done();
  });

  it('works on a narrow screen', async () => {
    const page = await openPage('/?q=drone', { width: 400, height: 850 });
    await idle(page);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scrolling');
    assert.equal(await page.locator('#facets').isVisible(), false);
    await page.click('#filters-toggle');
    assert.ok(await page.locator('#facets').isVisible());
    await page.click('#filters-toggle');
    await shot(page, 'narrow.png');
    await page.done();
  });

  it('says what went wrong', async () => {
    const page = await openPage('/?group=no-such-group');
    await page.waitForSelector('#results .message-error');
    assert.match(await page.locator('#results .message-error').textContent(), /no-such-group/);
    // the 400 answer itself is logged by the browser as a failed resource load
    await page.context().close();
    const missing = await openPage('/?incident=i0000000000000000');
    await missing.waitForSelector('#detail-view .message-error');
    assert.match(await missing.locator('#detail-view .message-error').textContent(), /no such incident/i);
    await missing.context().close();
  });
});

// RFC 4180 rows (quoted fields may hold commas, quotes and newlines).
function csvRows(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}
