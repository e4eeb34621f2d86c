import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toLambert93 } from '@vigie/api/geo';
import { ensureDemoTerritory, generateDemoTerritory, generateTrainingSet, LC, type DemoManifest } from '../../../../data/src/index';
import { buildTerritory, vintageScene } from '../../../../data/src/territory/layout';
import { pointInRing } from '../../../../data/src/territory/geometry';

// A 300 m square keeps the suite fast; the default is the full 2 km.
const SIZE = 300;
const root = mkdtempSync(join(tmpdir(), 'vigie-demo-'));
const dirA = join(root, 'a');
const dirB = join(root, 'b');
const dirC = join(root, 'c');
let manifest: DemoManifest;

beforeAll(async () => {
  manifest = await generateDemoTerritory({ seed: 5, outDir: dirA, sizeM: SIZE, threads: 0, framesPerCamera: 2 });
  await generateDemoTerritory({ seed: 5, outDir: dirB, sizeM: SIZE, threads: 2, framesPerCamera: 2 });
  await generateDemoTerritory({ seed: 6, outDir: dirC, sizeM: SIZE, threads: 0, framesPerCamera: 2 });
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('demo territory', () => {
  it('is byte-identical for the same seed (threads or not) and differs for another', () => {
    expect(files(dirA)).toEqual(files(dirB));
    for (const f of files(dirA)) {
      if (f === 'manifest.json') continue;
      expect(readFileSync(join(dirA, f)).equals(readFileSync(join(dirB, f))), f).toBe(true);
    }
    const { generatedInMs: _a, ...ma } = JSON.parse(readFileSync(join(dirA, 'manifest.json'), 'utf8'));
    const { generatedInMs: _b, ...mb } = JSON.parse(readFileSync(join(dirB, 'manifest.json'), 'utf8'));
    expect(ma).toEqual(mb);
    expect(readFileSync(join(dirA, 'ortho-2021.tif')).equals(readFileSync(join(dirC, 'ortho-2021.tif')))).toBe(false);
  });

  it('writes GeoTIFFs with the right bounds, CRS, resolution and tiling', async () => {
    expect(manifest.width).toBe(SIZE / 0.2);
    expect(manifest.vintages.map((v) => v.year)).toEqual([2018, 2021, 2024]);
    for (const v of manifest.vintages) {
      for (const [file, bands] of [[v.ortho, 3], [v.landcover, 1]] as const) {
        const image = await (await fromFile(join(dirA, file))).getImage();
        expect(image.getWidth()).toBe(manifest.width);
        expect(image.getSamplesPerPixel()).toBe(bands);
        expect(image.getTileWidth()).toBe(512);
        expect(image.getResolution().slice(0, 2)).toEqual([0.2, -0.2]);
        expect(image.getBoundingBox()).toEqual(manifest.bounds);
        expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(2154);
      }
    }
    // Near the real Vexin communes (Lambert-93).
    expect(manifest.bounds[0]).toBeGreaterThan(600_000);
    expect(manifest.bounds[0]).toBeLessThan(640_000);
    expect(manifest.bounds[1]).toBeGreaterThan(6_870_000);
    expect(manifest.bounds[1]).toBeLessThan(6_900_000);
  });

  it('aligns land-cover labels with the photo on known objects', async () => {
    const territory = buildTerritory({ seed: 5, sizeM: SIZE });
    const scene = vintageScene(territory, 2);
    const ortho = await (await fromFile(join(dirA, 'ortho-2024.tif'))).getImage();
    const classes = await (await fromFile(join(dirA, 'landcover-2024.tif'))).getImage();
    const pixel = async (u: number, v: number) => {
      const window = [Math.floor(u / 0.2), Math.floor(v / 0.2), Math.floor(u / 0.2) + 1, Math.floor(v / 0.2) + 1];
      const rgb = (await ortho.readRasters({ window, interleave: true })) as unknown as Uint8Array;
      const cls = (await classes.readRasters({ window, interleave: true })) as unknown as Uint8Array;
      return { rgb: [...rgb], cls: cls[0] };
    };
    const roofs = scene.buildings.filter((b) => b.roof === 'tuile' && b.pitch > 0.5 && b.center[0] > 10 && b.center[1] > 10 && b.center[0] < SIZE - 10 && b.center[1] < SIZE - 10);
    expect(roofs.length).toBeGreaterThan(0);
    let checked = 0;
    for (const b of roofs.slice(0, 5)) {
      // A point on the roof, off the ridge and any chimney, not under a garden tree.
      const p: [number, number] = [b.center[0] - Math.sin(b.angle) * b.width * 0.25, b.center[1] + Math.cos(b.angle) * b.width * 0.25];
      const { rgb, cls } = await pixel(p[0], p[1]);
      if (cls !== LC.bati) continue; // an overhanging tree
      checked++;
      expect(rgb[0]!).toBeGreaterThan(rgb[2]! + 15); // terracotta: red over blue
      expect(rgb[0]!).toBeGreaterThan(rgb[1]!);
    }
    expect(checked).toBeGreaterThan(0);
    for (const pool of scene.areas.filter((a) => a.material === 'piscine')) {
      const c = pool.ring.reduce((s, q) => [s[0] + q[0] / 4, s[1] + q[1] / 4], [0, 0]);
      const { rgb, cls } = await pixel(c[0], c[1]);
      if (cls !== LC.piscine) continue; // under a garden tree
      expect(rgb[2]!).toBeGreaterThan(rgb[0]! + 40);
    }
  });

  it('tiles the square exactly with the communes', () => {
    const communes = JSON.parse(readFileSync(join(dirA, 'communes.geojson'), 'utf8'));
    expect(communes.features.map((f: { properties: { insee: string } }) => f.properties.insee)).toEqual(manifest.communes.map((c) => c.insee));
    let total = 0;
    const rings: [number, number][][] = [];
    for (const f of communes.features) {
      const ring = (f.geometry.coordinates[0] as [number, number][]).map((p) => toLambert93(p));
      rings.push(ring);
      let a = 0;
      for (let i = 0; i + 1 < ring.length; i++) a += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
      expect(a).toBeGreaterThan(0); // counter-clockwise exterior
      total += a / 2;
    }
    expect(Math.abs(total - SIZE * SIZE)).toBeLessThan(0.5);
    // Every point of a grid inside the square lies in exactly one commune.
    const [minX, minY, maxX, maxY] = manifest.bounds;
    for (let i = 0; i < 15; i++) {
      for (let j = 0; j < 15; j++) {
        const x = minX + ((i + 0.37) / 15) * (maxX - minX);
        const y = minY + ((j + 0.61) / 15) * (maxY - minY);
        expect(rings.filter((r) => pointInRing([x, y], r)).length).toBe(1);
      }
    }
  });

  it('writes camera frames with their truth', async () => {
    const truth = JSON.parse(readFileSync(join(dirA, 'frames/truth.json'), 'utf8'));
    expect(truth.frames.length).toBe(manifest.frames.count);
    for (const frame of truth.frames) {
      const meta = await sharp(join(dirA, 'frames', frame.file)).metadata();
      expect([meta.width, meta.height]).toEqual([truth.width, truth.height]);
      expect(frame.counts.person).toBe(frame.boxes.filter((b: { cls: string }) => b.cls === 'person').length);
    }
    expect(manifest.cameras.length).toBeGreaterThanOrEqual(2);
  });

  it('regenerates only when the seed changes', async () => {
    const again = await ensureDemoTerritory({ seed: 5, outDir: dirA, sizeM: SIZE, threads: 0, framesPerCamera: 2 });
    expect(again.generated).toBe(false);
  });
});

describe('training sets', () => {
  it('writes YOLO dump labels, land-cover masks and crowd labels from disjoint splits', async () => {
    const train = await generateTrainingSet({ task: 'dumps', split: 'train', count: 4, outDir: join(root, 'dumps-train'), seed: 1 });
    const val = await generateTrainingSet({ task: 'dumps', split: 'val', count: 2, outDir: join(root, 'dumps-val'), seed: 1 });
    expect(train.sceneSeedRange[1]).toBeLessThan(val.sceneSeedRange[0]);
    for (const chip of train.chips) {
      const meta = await sharp(join(root, 'dumps-train', chip.image)).metadata();
      expect([meta.width, meta.height]).toEqual([512, 512]);
      const lines = readFileSync(join(root, 'dumps-train', chip.label), 'utf8').split('\n').filter(Boolean);
      expect(lines.length).toBe(chip.dumps);
      for (const l of lines) expect(l).toMatch(/^0 (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6}$/);
    }
    const lc = await generateTrainingSet({ task: 'landcover', split: 'test', count: 1, outDir: join(root, 'lc'), seed: 1 });
    expect((await sharp(join(root, 'lc', lc.chips[0]!.label)).metadata()).channels).toBe(1);
    const mask = await sharp(join(root, 'lc', lc.chips[0]!.label)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(mask.data.reduce((m, x) => Math.max(m, x), 0)).toBeLessThan(12);
    const crowd = await generateTrainingSet({ task: 'crowd', split: 'train', count: 2, outDir: join(root, 'crowd'), seed: 1 });
    expect(crowd.imageSize).toEqual([640, 384]);
  }, 60_000);
});

