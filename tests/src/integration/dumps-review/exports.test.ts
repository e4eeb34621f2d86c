import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import { toWgs84 } from '@vigie/api/geo';
import { writeGradientOrtho } from '../../support/fixtures';
import { type Client, type TestStack, startStack, tempDataDir } from '../../support/stack';
import { loginAs, seedTwoAuthorities } from '../security/support';
import { l93, readZip, seedCommune, seedDetection, seedRun, seedVintage } from './support';

/**
 * Exports read back the way their users' software reads them: GeoJSON parsed, CSV split on ';' after its BOM,
 * KML parsed as XML by Chromium, the sheet printed to a real PDF, the YOLO dataset unzipped and its chips
 * compared with the orthophoto they were cut from.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
// a 1024 px orthophoto at 0.20 m: red grows eastwards, green southwards
const ORTHO = { width: 1024, height: 1024, originX: 650_000, originY: 6_870_000, gsd: 0.2 };

let stack: TestStack;
let viewer: Client;
let reviewer: Client;
let ids: { confirmed: number; neighbour: number; rejected: number; pending: number; outside: number; quoted: number };
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startStack();
  const cast = await seedTwoAuthorities(stack);
  loginLimits.reset();
  viewer = await loginAs(stack, cast.a.users.viewer);
  reviewer = await loginAs(stack, cast.a.users.reviewer);
  const { db } = stack.platform;
  const authorityId = cast.a.authorityId;
  const [minLon, minLat] = toWgs84([ORTHO.originX - 500, ORTHO.originY - 700]);
  const [maxLon, maxLat] = toWgs84([ORTHO.originX + 700, ORTHO.originY + 500]);
  await seedCommune(db, authorityId, '95219', 'Ermont', [minLon, minLat, maxLon, maxLat]);
  await seedCommune(db, authorityId, '95306', 'Saint-Leu-la-Forêt; "les Bois"', [2.2, 49.05, 2.21, 49.06]);
  const vintageId = await seedVintage(db, authorityId, 2024);
  const at = { authorityId, vintageId, runId: await seedRun(db, authorityId, vintageId) };

  const file = path.join(tempDataDir('vigie-dumps-ortho-'), 'ortho-2024.tif');
  writeGradientOrtho(file, ORTHO);
  const corners = [toWgs84([ORTHO.originX, ORTHO.originY - 204.8]), toWgs84([ORTHO.originX + 204.8, ORTHO.originY])];
  await db
    .insertInto('imagerySource')
    .values({
      authorityId, vintageId, kind: 'geotiff', uri: file, epsg: 2154,
      bounds: [ORTHO.originX, ORTHO.originY - 204.8, ORTHO.originX + 204.8, ORTHO.originY],
      bbox: `(${corners[0]![0]},${corners[0]![1]}),(${corners[1]![0]},${corners[1]![1]})`,
      gsdM: 0.2, width: 1024, height: 1024, bands: 3,
    })
    .execute();

  const o = (dx: number, dy: number) => ({ x: ORTHO.originX + dx, y: ORTHO.originY - dy });
  ids = {
    // pixel boxes: 235..265 and 285..315 (same 512 px chip), 735..765 (another chip)
    confirmed: await seedDetection(stack.platform, at, { ...o(50, 50), side: 6, commune: '95219', score: 0.91, status: 'confirme' }),
    neighbour: await seedDetection(stack.platform, at, { ...o(60, 60), side: 6, commune: '95219', score: 0.77, status: 'signale' }),
    rejected: await seedDetection(stack.platform, at, { ...o(150, 150), side: 6, commune: '95219', score: 0.52, status: 'faux_positif' }),
    pending: await seedDetection(stack.platform, at, { ...o(180, 20), commune: '95219', score: 0.45 }),
    outside: await seedDetection(stack.platform, at, { ...o(5000, 5000), commune: null, score: 0.3, thumbnail: false, status: 'faux_positif' }),
    quoted: await seedDetection(stack.platform, at, { ...xy(2.205, 49.055), commune: '95306', score: 0.66, change: 'persistant' }),
  };
  // a real decision in the audit log, for the sheet's history
  await reviewer.fetch(`/api/dumps/detections/${ids.pending}`, { method: 'PATCH', body: JSON.stringify({ status: 'confirme', comment: 'Pneus & gravats <visibles> depuis la route' }) });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function xy(lon: number, lat: number) {
  const [x, y] = l93(lon, lat);
  return { x, y };
}

describe('GeoJSON export', () => {
  it('is a FeatureCollection of every matching detection, as a download', async () => {
    const res = await viewer.fetch('/api/dumps/detections.geojson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="depots-sauvages-\d{4}-\d{2}-\d{2}\.geojson"$/);
    const collection = JSON.parse(await res.text()) as { type: string; features: { id: number; geometry: { type: string; coordinates: number[][][] }; properties: Record<string, unknown> }[] };
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features.map((f) => f.id).sort((a, b) => a - b)).toEqual(Object.values(ids).sort((a, b) => a - b));
    const confirmed = collection.features.find((f) => f.id === ids.confirmed)!;
    expect(confirmed.geometry.type).toBe('Polygon');
    expect(confirmed.geometry.coordinates[0]).toHaveLength(5);
    expect(confirmed.properties).toMatchObject({ status: 'confirme', communeName: 'Ermont', vintage: 2024 });
    expect(confirmed.properties.thumbnailUrl).toBe(`${stack.baseUrl}/api/dumps/detections/${ids.confirmed}/thumbnail.jpg`);
  });

  it('takes the list filters', async () => {
    const res = await viewer.fetch('/api/dumps/detections.geojson?status=faux_positif&minScore=0.5');
    const collection = (await res.json()) as { features: { id: number }[] };
    expect(collection.features.map((f) => f.id)).toEqual([ids.rejected]);
  });
});

describe('CSV export', () => {
  it('is UTF-8 with a BOM, ";"-separated, with the documented columns, decimal commas and both coordinate systems', async () => {
    const res = await viewer.fetch('/api/dumps/detections.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    const header = lines[0]!.split(';');
    expect(header).toEqual(['id', 'commune', 'code_insee', 'statut', 'changement', 'score', 'surface_m2', 'lon', 'lat', 'x_l93', 'y_l93', 'millésime', 'première_vue', 'assigné_à', 'date_détection', 'date_modification']);
    const rows = lines.slice(1, -1).map(parseCsvLine);
    expect(rows).toHaveLength(Object.keys(ids).length);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const record = (id: number) => Object.fromEntries(header.map((h, i) => [h, rows.find((r) => r[0] === String(id))![i]!]));
    const confirmed = record(ids.confirmed);
    expect(confirmed).toMatchObject({ commune: 'Ermont', code_insee: '95219', statut: 'confirmé', changement: 'nouveau', millésime: '2024', première_vue: '2024' });
    const number = (text: string) => Number(text.replace(',', '.'));
    expect(confirmed.score).toBe('0,91');
    expect(number(confirmed.surface_m2!)).toBeCloseTo(36, 5);
    expect(number(confirmed.x_l93!)).toBeCloseTo(ORTHO.originX + 50, 2);
    expect(number(confirmed.y_l93!)).toBeCloseTo(ORTHO.originY - 50, 2);
    const [lon, lat] = toWgs84([ORTHO.originX + 50, ORTHO.originY - 50]);
    expect(number(confirmed.lon!)).toBeCloseTo(lon, 6);
    expect(number(confirmed.lat!)).toBeCloseTo(lat, 6);
    expect(confirmed.date_détection).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // a name with the separator and quotes survives quoting
    expect(record(ids.quoted).commune).toBe('Saint-Leu-la-Forêt; "les Bois"');
    expect(record(ids.outside)).toMatchObject({ commune: '', code_insee: '' });
  });
});

describe('KML export', () => {
  it('is well-formed KML 2.2 with one placemark per detection (parsed by Chromium’s XML parser)', async () => {
    const res = await viewer.fetch('/api/dumps/detections.kml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.google-earth\.kml\+xml/);
    const kml = await res.text();
    const page = await (await launch()).newPage();
    const parsed = (await page.evaluate(`(${PARSE_KML})(${JSON.stringify(kml)})`)) as ParsedKml;
    await page.close();
    expect(parsed.error).toBeNull();
    expect(parsed.root).toBe('http://www.opengis.net/kml/2.2');
    expect(parsed.placemarks).toHaveLength(Object.keys(ids).length);
    const quoted = parsed.placemarks.find((p) => p.name === `Dépôt n° ${ids.quoted}`)!;
    expect(quoted.data).toMatchObject({ commune: 'Saint-Leu-la-Forêt; "les Bois"', statut: 'à vérifier', changement: 'persistant' });
    expect(quoted.ring).toBe(5);
    const [lon, lat] = quoted.point!.split(',').map(Number);
    expect(lon).toBeCloseTo(2.205, 6);
    expect(lat).toBeCloseTo(49.055, 6);
  });
});

describe('printable sheet', () => {
  it('is self-contained HTML with the thumbnail, both coordinate systems, the commune, dates and the history', async () => {
    const res = await viewer.fetch(`/api/dumps/detections/${ids.pending}/sheet.html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<img class="thumb" alt="[^"]*" src="data:image\/jpeg;base64,[A-Za-z0-9+/=]{100,}">/);
    expect(html).not.toMatch(/src="http|href="http/);
    expect(html).toContain('Ermont (95219)');
    expect(html).toContain('Lambert-93');
    expect(html).toMatch(/X = 650[\s\u202f]180,0 m, Y = 6[\s\u202f]869[\s\u202f]980,0 m/);
    const [lon, lat] = toWgs84([ORTHO.originX + 180, ORTHO.originY - 20]);
    expect(html).toContain(`${lat.toFixed(6)}, ${lon.toFixed(6)}`);
    expect(html).toContain('à vérifier → confirmé');
    // the comment is escaped, not interpreted
    expect(html).toContain('Pneus &amp; gravats &lt;visibles&gt; depuis la route');
  });

  it('prints to a PDF through Chromium', async () => {
    const res = await viewer.fetch(`/api/dumps/detections/${ids.pending}/sheet.pdf`);
    expect(res.status, await res.clone().text().catch(() => '')).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5_000);
    expect(pdf.subarray(-1024).toString('latin1')).toContain('%%EOF');
  }, 60_000);
});

describe('YOLO dataset of reviewed decisions', () => {
  it('answers 403 to a viewer', async () => {
    expect((await viewer.fetch('/api/dumps/dataset.zip')).status).toBe(403);
  });

  it('zips a chip per confirmed dump and false positive, with YOLO labels of every confirmed dump in the chip', async () => {
    const res = await reviewer.fetch('/api/dumps/dataset.zip');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = readZip(Buffer.from(await res.arrayBuffer()));
    // the pending one was confirmed in beforeAll; the false positive 5 km away has no image to cut a chip from
    const stems = [ids.confirmed, ids.neighbour, ids.pending, ids.rejected].map((id) => `2024_${id}`);
    expect([...files.keys()].sort()).toEqual(
      ['data.yaml', 'LISEZMOI.txt', 'manifest.csv', 'ignores.txt', ...stems.flatMap((s) => [`images/${s}.jpg`, `labels/${s}.txt`])].sort(),
    );
    expect(files.get('data.yaml')!.toString()).toContain('0: depot_sauvage');
    expect(files.get('ignores.txt')!.toString()).toMatch(new RegExp(`^${ids.outside} \\(hors de l’orthophoto 2024\\)$`, 'm'));

    const labels = (id: number) => files.get(`labels/2024_${id}.txt`)!.toString().trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
    // the first chip is the top-left 512 px: both nearby dumps (30 px boxes centred at 250 and 300 px) are labelled
    const first = labels(ids.confirmed).sort((a, b) => a[1]! - b[1]!);
    expect(first).toHaveLength(2);
    const expected = [[0, 250 / 512, 250 / 512, 30 / 512, 30 / 512], [0, 300 / 512, 300 / 512, 30 / 512, 30 / 512]];
    first.forEach((line, i) => line.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 3)));
    // the false positive's chip holds no dump: an empty label file, a hard negative
    expect(files.get(`labels/2024_${ids.rejected}.txt`)!.length).toBe(0);

    // the chip is the orthophoto window around the detection: the gradient's red says which columns it covers
    const chip = files.get(`images/2024_${ids.rejected}.jpg`)!;
    const meta = await sharp(chip).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 512, 512]);
    const stats = await sharp(chip).stats();
    const meanColumn = 494 + 256; // window 494..1006 centred on the box at 735..765 px
    expect(stats.channels[0]!.mean).toBeCloseTo((meanColumn / 1024) * 255, -1);
    expect(stats.channels[1]!.mean).toBeCloseTo((meanColumn / 1024) * 255, -1);

    const manifest = files.get('manifest.csv')!.toString().trim().split('\r\n');
    expect(manifest[0]).toBe('fichier;detection_id;decision;millesime;code_insee;x_l93;y_l93;boites');
    expect(manifest.find((l) => l.startsWith(`images/2024_${ids.rejected}.jpg;`))).toMatch(/;faux_positif;2024;95219;.*;0$/);
  });
});

interface ParsedKml {
  root: string | null;
  error: string | null;
  placemarks: { name?: string; point?: string; ring?: number; data: Record<string, string> }[];
}

/** Runs in the page (the test's tsconfig has no DOM types): the browser's own XML parser reads the KML. */
const PARSE_KML = `(text) => {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0]?.textContent ?? null;
  const ns = 'http://www.opengis.net/kml/2.2';
  const placemarks = [...doc.getElementsByTagNameNS(ns, 'Placemark')].map((p) => ({
    name: p.getElementsByTagNameNS(ns, 'name')[0]?.textContent,
    point: p.getElementsByTagNameNS(ns, 'Point')[0]?.textContent?.trim(),
    ring: p.getElementsByTagNameNS(ns, 'LinearRing')[0]?.textContent?.trim().split(/\\s+/).length,
    data: Object.fromEntries([...p.getElementsByTagNameNS(ns, 'Data')].map((d) => [d.getAttribute('name'), d.textContent])),
  }));
  return { root: doc.documentElement.namespaceURI, error, placemarks };
}`;

async function launch(): Promise<Browser> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return browser;
}

/** Splits one CSV line on ';', honouring double-quoted fields. */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
