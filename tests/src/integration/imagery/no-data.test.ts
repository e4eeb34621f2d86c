import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DATA } from '@vigie/api/zan';
import sharp from 'sharp';
import { parseTileKey, toWgs84 } from '@vigie/api/geo';
import { PARTIAL_COVERAGE_PCT, type ZanSummary } from '@vigie/api/contract';
import { generateTrainingSet } from '@vigie/data';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { yoloBoxes } from '@vigie/workers/models';
import { orthoTileKey } from '@vigie/workers/pipelines';
import { finaliseRun, planRun, processChips } from '@vigie/workers/worker';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { writeSmallGeoTiff } from '../../support/fixtures';
import { seedCommune } from '../dumps-review/support';

const SIZE = 64;
const ORIGIN = { originX: 612_000, originY: 6_892_000 };

// A mosaic of orthophoto dalles has borders with no imagery: transparent (alpha 0) or filled with a no-data
// value. The land-cover model would classify that black as something and count it in the communes' areas.
describe('analyses and map outside the imagery', () => {
  let stack: TestStack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack();
    admin = await login(stack.baseUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    ['alpha 0', { samples: 4, alpha: true, value: (x: number, _y: number, s: number) => (s === 3 ? (x < SIZE / 2 ? 0 : 255) : x < SIZE / 2 ? 0 : 110 + s * 20) }, 2018],
    ['the GDAL no-data value', { samples: 3, noData: 0, value: (x: number, _y: number, s: number) => (x < SIZE / 2 ? 0 : 110 + s * 20) }, 2021],
  ] as const)('is no data in the chip maps where the orthophoto has %s', async (_, image, year) => {
    const { db, storage } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, `mosaic-${year}.tif`);
    writeSmallGeoTiff(file, { ...image, size: SIZE, ...ORIGIN });
    await registerGeoTiff(db, { authorityId, year, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: year }) });
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id);
    const chips = (await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).execute()).map((c) => c.chipKey);
    expect(chips).toEqual([`0_0_${SIZE}_${SIZE}`]);
    await processChips(stack.platform, id, chips);
    const map = inflateSync((await storage.get(`zan/${authorityId}/runs/${id}/${chips[0]}.bin`))!);
    expect(map.length).toBe(SIZE * SIZE);
    let outside = 0, inside = 0;
    for (let p = 0; p < map.length; p++) {
      const left = p % SIZE < SIZE / 2;
      if (left && map[p] === NO_DATA) outside++;
      if (!left && map[p] !== NO_DATA) inside++;
    }
    expect(outside).toBe((SIZE * SIZE) / 2); // the whole left half, and nothing else
    expect(inside).toBe((SIZE * SIZE) / 2);
  });

  it('finds no dump, and declares none gone, where the orthophoto has no imagery', async () => {
    // the generated test chip with the largest dump, as a 512 px RGBA orthophoto: opaque, then transparent
    const dir = path.join(stack.config.dataDir, 'dump-chips');
    const meta = await generateTrainingSet({ task: 'dumps', split: 'test', count: 6, outDir: dir, seed: 7 });
    const area = (b: { x1: number; y1: number; x2: number; y2: number }) => (b.x2 - b.x1) * (b.y2 - b.y1);
    let known: { image: string; box: { x1: number; y1: number; x2: number; y2: number } } | undefined;
    for (const chip of meta.chips) {
      for (const box of yoloBoxes(readFileSync(path.join(dir, chip.label), 'utf8'), meta.imageSize)) if (!known || area(box) > area(known.box)) known = { image: chip.image, box };
    }
    const { data, info } = await sharp(path.join(dir, known!.image)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { db } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const candidates = async (year: number, alpha: number) => {
      const file = path.join(stack.config.dataDir, `dump-${year}.tif`);
      writeSmallGeoTiff(file, { samples: 4, alpha: true, size: info.width, ...ORIGIN, value: (x, y, s) => (s === 3 ? alpha : data[(y * info.width + x) * 3 + s]!) });
      await registerGeoTiff(db, { authorityId, year, file });
      const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: year }) });
      const { id } = (await created.json()) as { id: string };
      await planRun(stack.platform, id);
      await processChips(stack.platform, id, (await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).execute()).map((c) => c.chipKey));
      const found = (await db.selectFrom('dumpCandidate').select('score').where('runId', '=', id).execute()).length;
      // the whole run, to its thumbnails, drawn from the RGBA file's colour bands
      await finaliseRun(stack.platform, id);
      const run = await db.selectFrom('run').select(['status', 'error']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(run, run.error ?? '').toMatchObject({ status: 'succeeded' });
      const detections = await db.selectFrom('dumpDetection').select('thumbnailPath').where('runId', '=', id).execute();
      expect(detections.every((d) => d.thumbnailPath !== null)).toBe(true);
      return { found, detections: detections.length };
    };
    const opaque = await candidates(2015, 255);
    expect(opaque.found).toBeGreaterThan(0);
    expect(opaque.detections).toBeGreaterThan(0);
    expect(await candidates(2016, 0)).toEqual({ found: 0, detections: 0 });
  });

  it('shows no imagery as transparent on the map, not black', async () => {
    const { db } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'mosaic-2024.tif');
    writeSmallGeoTiff(file, { samples: 4, alpha: true, size: SIZE, ...ORIGIN, value: (x, _y, s) => (s === 3 ? (x < SIZE / 2 ? 0 : 255) : x < SIZE / 2 ? 0 : 110 + s * 20) });
    const { vintageId } = await registerGeoTiff(db, { authorityId, year: 2024, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: 2024 }) });
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id);
    const tiles = (await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).execute()).map((c) => c.chipKey);
    await processChips(stack.platform, id, tiles);
    let opaque = 0, black = 0;
    for (const key of tiles) {
      const webp = await stack.platform.storage.get(orthoTileKey(authorityId, vintageId, parseTileKey(key)));
      if (!webp) continue;
      const { data } = await sharp(webp).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      for (let o = 0; o < data.length; o += 4) {
        if (data[o + 3]! < 128) continue;
        opaque++;
        if (data[o]! + data[o + 1]! + data[o + 2]! < 60) black++;
      }
    }
    expect(opaque).toBeGreaterThan(100); // the right half is drawn
    expect(black).toBe(0); // the left half is not
  });

  // last: the commune it adds would change what the runs above analyse
  it('flags in the territory summary a commune its orthophoto covers only in part', async () => {
    const { db } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    // the commune is the orthophoto's footprint; its left half has no imagery
    const side = SIZE * 0.2;
    const [west, south] = toWgs84([ORIGIN.originX, ORIGIN.originY - side]);
    const [east, north] = toWgs84([ORIGIN.originX + side, ORIGIN.originY]);
    await seedCommune(db, authorityId, '95999', 'Moitié-Couverte', [west, south, east, north], side * side);
    const file = path.join(stack.config.dataDir, 'mosaic-2019.tif');
    writeSmallGeoTiff(file, { samples: 4, alpha: true, size: SIZE, ...ORIGIN, value: (x, _y, s) => (s === 3 ? (x < SIZE / 2 ? 0 : 255) : x < SIZE / 2 ? 0 : 110 + s * 20) });
    await registerGeoTiff(db, { authorityId, year: 2019, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: 2019 }) });
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id);
    await processChips(stack.platform, id, (await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).execute()).map((c) => c.chipKey));
    await finaliseRun(stack.platform, id);
    const run = await db.selectFrom('run').select(['status', 'error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(run, run.error ?? '').toMatchObject({ status: 'succeeded' });
    const summary = (await (await admin.fetch('/api/zan/summary')).json()) as ZanSummary;
    const commune = summary.communes.find((c) => c.insee === '95999')!;
    expect(commune.coveredPct).toBeGreaterThan(45);
    expect(commune.coveredPct).toBeLessThan(55);
    expect(commune.coveredPct!).toBeLessThan(PARTIAL_COVERAGE_PCT);
  });
});
