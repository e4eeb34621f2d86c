import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import { type TestStack, type Client, login } from '../../support/stack';
import { startDemoStack } from '../../support/demo';
import { waitForRun } from '../../support/runs';
import { type TruthVintage, truthFlows, truthVintage } from './support';
import { pdfText } from './pdf-text';
import { ARTIFACTS } from '../../e2e/browser';
import type { CommuneZan } from '@vigie/api/contract';
import { formatHa, loadClassRaster, reportIndicators } from '@vigie/api/zan';
import { type LabelledPolygon, rasterisePolygons } from '@vigie/workers/zan';
import { toWgs84, toWebMercator, EARTH_HALF_CIRCUMFERENCE } from '@vigie/api/geo';

const ha = (m2: number) => (m2 / 10_000).toFixed(2);

/**
 * What the shipped baseline reaches over the 1 km test territory for the net change, plus a margin: a regression
 * guard, not the goal (measured: see models/landcover-segmenter/train/README.md).
 */
const BASELINE = { netError: 0.3 };

describe('zan: land cover per vintage over the demo territory with the shipped model', () => {
  let stack: TestStack & { demoDir: string; manifest: { vintages: { year: number; landcover: string }[] } };
  let admin: Client;
  let worker: WorkerHandle;
  let authorityId: number;
  const truth = new Map<number, TruthVintage>();
  const communeErrors: number[] = [];
  let netError = Number.NaN;

  beforeAll(async () => {
    stack = await startDemoStack();
    admin = await login(stack.baseUrl);
    worker = await startWorker(stack.platform, { concurrency: 2 });
    authorityId = (await stack.platform.db.selectFrom('commune').select('authorityId').executeTakeFirstOrThrow()).authorityId;
    for (const v of stack.manifest.vintages) {
      const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: v.year }) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const run = await waitForRun(stack.platform.db, id, 1_200_000);
      expect(run.status, run.error ?? '').toBe('succeeded');
      truth.set(v.year, await truthVintage(stack.platform.db, authorityId, stack.demoDir, v.year, v.landcover));
    }
  }, 1_800_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  async function measuredArtificialised(year: number) {
    const rows = await stack.platform.db
      .selectFrom('landcoverStat')
      .innerJoin('vintage', 'vintage.id', 'landcoverStat.vintageId')
      .select(['communeInsee', (eb) => eb.fn.sum<number>('artificialisedM2').as('m2')])
      .where('vintage.year', '=', year)
      .groupBy('communeInsee')
      .execute();
    return new Map(rows.map((r) => [r.communeInsee, Number(r.m2)]));
  }

  it('measures each commune’s artificialised area per vintage against the ground truth (prints every figure)', async () => {
    // every figure is printed before anything is asserted
    for (const v of stack.manifest.vintages) {
      const measured = await measuredArtificialised(v.year);
      for (const [insee, expected] of truth.get(v.year)!.artificialisedM2) {
        const got = measured.get(insee) ?? 0;
        const error = Math.abs(got - expected) / expected;
        communeErrors.push(error);
        console.log(`zan ${v.year} ${insee}: artificialised ${ha(got)} ha, truth ${ha(expected)} ha, error ${(error * 100).toFixed(1)} %`);
      }
    }
    const sorted = [...communeErrors].sort((a, b) => a - b);
    console.log(`zan commune errors: median ${(sorted[sorted.length >> 1]! * 100).toFixed(1)} %, max ${(sorted.at(-1)! * 100).toFixed(1)} %`);
    expect(communeErrors).toHaveLength(4 * stack.manifest.vintages.length);
  });

  // The target, met on this territory since landcover-segmenter v7-1 (v7-2b: max 2.0 %) and on the whole
  // 2 km demo territory (VIGIE_TEST_TERRITORY_M=2000) since v7-2b (max 3.5 %): models/landcover-segmenter/train/README.md
  it('reaches the target: every commune and vintage within 5 %', () => {
    expect(communeErrors).toHaveLength(4 * stack.manifest.vintages.length);
    expect(Math.max(...communeErrors)).toBeLessThanOrEqual(0.05);
  });

  it('measures the net change from the first to the last vintage (prints every figure)', async () => {
    const years = stack.manifest.vintages.map((v) => v.year);
    const first = years[0]!, last = years.at(-1)!;
    const before = await measuredArtificialised(first), after = await measuredArtificialised(last);
    const flows = await truthFlows(stack.platform.db, authorityId, truth.get(first)!, truth.get(last)!);
    let totalGot = 0, totalExpected = 0;
    for (const [insee, expectedBefore] of truth.get(first)!.artificialisedM2) {
      const expected = truth.get(last)!.artificialisedM2.get(insee)! - expectedBefore;
      const got = (after.get(insee) ?? 0) - (before.get(insee) ?? 0);
      totalGot += got;
      totalExpected += expected;
      const f = flows.get(insee)!;
      console.log(`zan net ${first} → ${last} ${insee}: ${ha(got)} ha, truth ${ha(expected)} ha (truth: +${ha(f.artificialisedM2)} artificialised, −${ha(f.renaturedM2)} renatured)`);
    }
    const error = Math.abs(totalGot - totalExpected) / Math.abs(totalExpected);
    console.log(`zan net ${first} → ${last} territory: ${ha(totalGot)} ha, truth ${ha(totalExpected)} ha, error ${(error * 100).toFixed(1)} %`);
    netError = error;
    expect(error).toBeLessThanOrEqual(BASELINE.netError);
    // the flows table tells the same net change as the areas (net = artificialisation − renaturation)
    const flowRows = await stack.platform.db
      .selectFrom('landFlow')
      .innerJoin('vintage as f', 'f.id', 'landFlow.fromVintageId')
      .innerJoin('vintage as t', 't.id', 'landFlow.toVintageId')
      .select([(eb) => eb.fn.sum<number>('artificialisedM2').as('a'), (eb) => eb.fn.sum<number>('renaturedM2').as('r')])
      .where('f.year', '=', first)
      .where('t.year', '=', last)
      .executeTakeFirstOrThrow();
    expect(Number(flowRows.a) - Number(flowRows.r)).toBeCloseTo(totalGot, -1);
  });

  // met since landcover-segmenter round 8 (2.2 % over the territory: the communes' own errors partly cancel)
  it('reaches the target: net change within 10 %', () => {
    expect(netError).toBeLessThanOrEqual(0.1);
  });

  it('serves the land-cover tiles, the commune figures and the change polygons with their review', async () => {
    const insee = [...truth.get(stack.manifest.vintages[0]!.year)!.artificialisedM2.keys()][0]!;
    const res = await admin.fetch(`/api/zan/communes/${insee}`);
    expect(res.status).toBe(200);
    const zan = (await res.json()) as CommuneZan;
    expect(zan.vintages.map((v) => v.year)).toEqual(stack.manifest.vintages.map((v) => v.year));
    expect(zan.flows.length).toBe(3);
    expect(zan.vintages[0]!.classes.length).toBeGreaterThan(3);
    // the demo orthophotos cover the communes whole (pixel centres against the polygon: within half a percent)
    for (const v of zan.vintages) expect(Math.abs(v.coveredPct - 100), `${v.year}: ${v.coveredPct} %`).toBeLessThan(0.5);

    // a tile at the middle of the territory, zoom 16
    const raster = truth.get(stack.manifest.vintages[0]!.year)!.analysed.raster;
    const gt = raster.geoTransform;
    const [mx, my] = toWebMercator(toWgs84([gt.originX + (raster.width / 2) * gt.pixelWidth, gt.originY - (raster.height / 2) * gt.pixelHeight]));
    const size = (2 * EARTH_HALF_CIRCUMFERENCE) / 2 ** 16;
    const x = Math.floor((mx + EARTH_HALF_CIRCUMFERENCE) / size), y = Math.floor((EARTH_HALF_CIRCUMFERENCE - my) / size);
    const tile = await admin.fetch(`/api/zan/tiles/${stack.manifest.vintages[0]!.year}/16/${x}/${y}.png`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${stack.baseUrl}/api/zan/tiles/${stack.manifest.vintages[0]!.year}/16/${x}/${y}.png`)).status).toBe(401);

    const changes = (await (await admin.fetch('/api/zan/changes?limit=500')).json()) as { type: string; features: { id: number; properties: { kind: string; areaM2: number; review: string; fromYear: number; toYear: number } }[] };
    expect(changes.type).toBe('FeatureCollection');
    expect(changes.features.length).toBeGreaterThan(0);
    expect(changes.features.every((f) => f.properties.areaM2 >= 100)).toBe(true);
    console.log(`zan changes: ${changes.features.length} polygons (${changes.features.filter((f) => f.properties.kind === 'artificialisation').length} artificialisation)`);
    const first = changes.features[0]!;
    const patched = await admin.fetch(`/api/zan/changes/${first.id}`, { method: 'PATCH', body: JSON.stringify({ review: 'confirme' }) });
    expect(patched.status).toBe(200);
    const confirmed = (await (await admin.fetch('/api/zan/changes?review=confirme')).json()) as { features: { id: number }[] };
    expect(confirmed.features.map((f) => f.id)).toEqual([first.id]);
    expect((await admin.fetch(`/api/zan/changes/${first.id}`, { method: 'PATCH', body: JSON.stringify({ review: 'peut-être' }) })).status).toBe(400);

    const csv = await (await admin.fetch('/api/zan/stats.csv')).text();
    expect(csv.trim().split('\r\n')).toHaveLength(1 + 4 * stack.manifest.vintages.length);
  });

  it('computes the trajectory from an imported reference and prints a report whose numbers are the API’s', async () => {
    const insee = [...truth.get(stack.manifest.vintages[0]!.year)!.artificialisedM2.keys()][0]!;
    const imported = await admin.fetch('/api/zan/trajectory/import', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: `insee;reference_ha\n${insee};1,5\n99999;2\n` });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toEqual({ imported: 1, ignored: ['99999'] });
    const put = await admin.fetch(`/api/zan/communes/${insee}/trajectory`, { method: 'PUT', body: JSON.stringify({ referenceConsumptionHa: 1.5, targetReductionPct: 50, guarantee: true, trendsText: 'Lotissement du Clos et parking de la gare.' }) });
    expect(put.status).toBe(200);
    const zan = (await put.json()) as CommuneZan;
    expect(zan.trajectory).not.toBeNull();
    expect(zan.trajectory!.budgetHa).toBe(1);
    expect(zan.consumption!.baselineYear).toBe(2021);
    console.log(`zan trajectory ${insee}: consumed ${zan.trajectory!.consumedHa.toFixed(2)} ha of ${zan.trajectory!.budgetHa} ha, pace ${zan.trajectory!.paceHaPerYear?.toFixed(2)} ha/an, runs out ${zan.trajectory!.exhaustionYear}, overshoot ${zan.trajectory!.overshoot}`);

    const indicators = reportIndicators(zan);
    const expected = [formatHa(indicators.nafConsumptionHa!, 'ha'), formatHa(indicators.netBalanceM2!), formatHa(indicators.newlySealedM2!), formatHa(zan.trajectory!.budgetHa, 'ha')];
    const html = await (await admin.fetch(`/api/zan/communes/${insee}/report.html`)).text();
    for (const key of ['consommation-naf', 'solde-net', 'impermeabilisation', 'objectifs']) expect(html).toContain(`data-indicator="${key}"`);
    for (const value of expected) expect(html).toContain(value);
    expect(html).toContain('Lotissement du Clos');
    // the commune map, drawn from the tile pyramid: the land-cover classes are there, not a blank frame
    const map = Buffer.from(/data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(html)![1]!, 'base64');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'zan-report-map.png'), map);
    const { data, info } = await sharp(map).raw().toBuffer({ resolveWithObject: true });
    const nomenclature = (await (await admin.fetch('/api/zan/nomenclature')).json()) as { classes: { color: string }[] };
    // tiles are palette PNGs: a class colour may come back a unit or two off
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const drawn = nomenclature.classes.filter((c) => {
      const [r, g, b] = rgb(c.color);
      let pixels = 0;
      for (let o = 0; o < data.length; o += info.channels) if (Math.abs(data[o]! - r!) <= 3 && Math.abs(data[o + 1]! - g!) <= 3 && Math.abs(data[o + 2]! - b!) <= 3) pixels++;
      return pixels >= 20;
    });
    expect(drawn.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(info.width, info.height)).toBe(640);

    const res = await admin.fetch(`/api/zan/communes/${insee}/report.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // NFKC: Chromium prints "fi" as a ligature glyph
    const text = pdfText(pdf).normalize('NFKC').replace(/\s+/g, ' ');
    for (const title of ['Consommation d’espaces naturels', 'Solde entre artificialisation', 'nouvellement imperméabilisées', 'Évaluation au regard des objectifs']) expect(text).toContain(title);
    for (const value of expected) expect(text.replace(/\u202f|\u00a0/g, ' ')).toContain(value.replace(/\u202f|\u00a0/g, ' '));
  }, 120_000);
  it('re-runs one commune of a vintage and keeps the rest of its map and figures', async () => {
    const { year } = stack.manifest.vintages.at(-1)!;
    const vintageId = (await stack.platform.db.selectFrom('vintage').select('id').where('authorityId', '=', authorityId).where('year', '=', year).executeTakeFirstOrThrow()).id;
    const before = await measuredArtificialised(year);
    const mapBefore = (await loadClassRaster(stack.platform.storage, authorityId, vintageId))!;
    const [insee, ...others] = [...before.keys()].sort();
    const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: year, communes: [insee] }) });
    expect(res.status).toBe(201);
    const run = await waitForRun(stack.platform.db, ((await res.json()) as { id: string }).id, 600_000);
    expect(run.status, run.error ?? '').toBe('succeeded');

    const after = await measuredArtificialised(year);
    // to the micro-m² (a pixel is 0.04 m²): PostgreSQL sums a commune's rows in storage order, which the re-run may change
    for (const other of others) expect(after.get(other)).toBeCloseTo(before.get(other)!, 6);
    // chips cut elsewhere than in the whole-territory run: the commune's figure moves by a few seams only
    expect(Math.abs(after.get(insee!)! / before.get(insee!)! - 1)).toBeLessThan(0.03);
    const mapAfter = (await loadClassRaster(stack.platform.storage, authorityId, vintageId))!;
    expect([mapAfter.width, mapAfter.height, mapAfter.geoTransform]).toEqual([mapBefore.width, mapBefore.height, mapBefore.geoTransform]);
    const commune = await stack.platform.db.selectFrom('commune').select('geometry').where('authorityId', '=', authorityId).where('insee', '=', insee!).executeTakeFirstOrThrow();
    const inside = rasterisePolygons([{ geometry: commune.geometry as unknown as LabelledPolygon['geometry'] }], mapAfter.geoTransform, mapAfter.width, mapAfter.height);
    let changedOutside = 0, analysedOutside = 0;
    for (let p = 0; p < inside.length; p++) {
      if (inside[p]) continue;
      if (mapBefore.classes[p] !== 255) analysedOutside++;
      if (mapAfter.classes[p] !== mapBefore.classes[p]) changedOutside++;
    }
    expect(analysedOutside).toBeGreaterThan(0);
    expect(changedOutside).toBe(0);
  }, 900_000);
});
