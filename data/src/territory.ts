import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { toLambert93, toWgs84, rasterBounds, type Bounds, type GeoTransform } from '@vigie/api/geo';
import { renderFrames, type CameraInfo } from './frames/render';
import { GeoTiffWriter } from './geotiff/writer';
import { renderTiles } from './render/tile-pool';
import type { TileJob } from './render/tile-job';
import { DEMO_ANCHOR_WGS84 } from './territory/communes';
import { ACQUISITION_DATES, buildTerritory, VINTAGE_YEARS, vintageScene, type Territory } from './territory/layout';
import type { Point } from './territory/types';

/** Bumped whenever the output for a given seed changes, so stale demo data is regenerated. */
export const GENERATOR_VERSION = 8;
export const DEMO_GSD = 0.2;
export const DEMO_TILE = 512;

export interface DemoVintage {
  year: number;
  acquisitionDate: string;
  ortho: string;
  landcover: string;
  dumps: string;
  hardNegatives: string;
}

export interface DemoManifest {
  generatorVersion: number;
  seed: number;
  crs: 'EPSG:2154';
  gsd: number;
  sizeM: number;
  /** Lambert-93 [minX, minY, maxX, maxY] */
  bounds: Bounds;
  width: number;
  height: number;
  tileSize: number;
  vintages: DemoVintage[];
  communes: { insee: string; name: string }[];
  communesFile: string;
  cameras: CameraInfo[];
  frames: { dir: string; truth: string; count: number; width: number; height: number };
  generatedInMs: number;
}

export type Progress = (done: number, total: number, label: string) => void;

export interface DemoOptions {
  seed?: number;
  outDir: string;
  onProgress?: Progress;
  /** side of the square in metres (default 2000); smaller only for tests */
  sizeM?: number;
  /** render threads (default: one per core, at most 4; 0 = this thread) */
  threads?: number;
  /** deflate level of the GeoTIFF tiles */
  compressionLevel?: number;
  /** camera frames per camera (default 8) */
  framesPerCamera?: number;
}

/** Lambert-93 frame of the square: west edge, north edge, snapped to 100 m near the real communes. */
export function demoGeoTransform(sizeM: number): GeoTransform {
  const [x, y] = toLambert93(DEMO_ANCHOR_WGS84);
  const originX = Math.round((x - sizeM / 2) / 100) * 100;
  const originY = Math.round((y + sizeM / 2) / 100) * 100;
  return { originX, originY, pixelWidth: DEMO_GSD, pixelHeight: DEMO_GSD };
}

/** Local scene metres (u east, v south) -> Lambert-93. */
export function localToLambert93(gt: GeoTransform, p: Point): Point {
  return [gt.originX + p[0], gt.originY - p[1]];
}

/** Generates the whole demo territory under `outDir`. Same seed -> byte-identical files. */
export async function generateDemoTerritory(options: DemoOptions): Promise<DemoManifest> {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const sizeM = options.sizeM ?? 2000;
  const { outDir } = options;
  const threads = options.threads ?? Math.min(4, availableParallelism());
  const level = options.compressionLevel ?? 4;
  mkdirSync(outDir, { recursive: true });
  const gt = demoGeoTransform(sizeM);
  const width = Math.round(sizeM / DEMO_GSD);
  const height = width;
  const territory = buildTerritory({ seed, sizeM });
  const tilesAcross = Math.ceil(width / DEMO_TILE);
  const framesPerCamera = options.framesPerCamera ?? 8;
  const totalSteps = VINTAGE_YEARS.length * tilesAcross * tilesAcross + framesPerCamera * 3;
  let done = 0;
  const progress = (label: string) => options.onProgress?.(done, totalSteps, label);

  writeJson(join(outDir, 'communes.geojson'), communesGeoJson(territory, gt));
  const vintages: DemoVintage[] = [];
  for (let index = 0; index < VINTAGE_YEARS.length; index++) {
    const year = VINTAGE_YEARS[index]!;
    const files: DemoVintage = {
      year,
      acquisitionDate: ACQUISITION_DATES[index]!,
      ortho: `ortho-${year}.tif`,
      landcover: `landcover-${year}.tif`,
      dumps: `dumps-${year}.geojson`,
      hardNegatives: `hard-negatives-${year}.geojson`,
    };
    const grid = { width, height, tileSize: DEMO_TILE, originX: gt.originX, originY: gt.originY, pixelSize: DEMO_GSD, epsg: 2154 };
    const ortho = new GeoTiffWriter(join(outDir, files.ortho), { ...grid, samplesPerPixel: 3 }, level);
    const landcover = new GeoTiffWriter(join(outDir, files.landcover), { ...grid, samplesPerPixel: 1 }, level);
    const jobs: TileJob[] = [];
    for (let ty = 0; ty < tilesAcross; ty++) {
      for (let tx = 0; tx < tilesAcross; tx++) {
        const col0 = tx * DEMO_TILE;
        const row0 = ty * DEMO_TILE;
        jobs.push({ id: jobs.length, seed, sizeM, vintage: index, col0, row0, width: Math.min(DEMO_TILE, width - col0), height: Math.min(DEMO_TILE, height - row0), tileSize: DEMO_TILE, gsd: DEMO_GSD, level });
      }
    }
    await renderTiles(jobs, threads, (r) => {
      const job = jobs[r.id]!;
      ortho.writeEncodedTile(job.col0 / DEMO_TILE, job.row0 / DEMO_TILE, r.ortho);
      landcover.writeEncodedTile(job.col0 / DEMO_TILE, job.row0 / DEMO_TILE, r.landcover);
      done++;
      progress(`orthophoto ${year}`);
    });
    ortho.close();
    landcover.close();
    const scene = vintageScene(territory, index);
    writeJson(join(outDir, files.dumps), featureCollection(scene.dumps.map((d) => polygonFeature(d.footprint, gt, { id: d.id, kind: d.kind, diameterM: d.diameterM }))));
    writeJson(join(outDir, files.hardNegatives), featureCollection(scene.hardNegatives.map((h) => polygonFeature(h.footprint, gt, { kind: h.kind }))));
    vintages.push(files);
  }

  const frames = await renderFrames({
    seed,
    outDir: join(outDir, 'frames'),
    framesPerCamera,
    anchor: (p) => toWgs84(localToLambert93(gt, p)),
    village: territory.villages.find((v) => v.main)!.center,
    onFrame: (label) => {
      done++;
      progress(label);
    },
  });

  const manifest: DemoManifest = {
    generatorVersion: GENERATOR_VERSION,
    seed,
    crs: 'EPSG:2154',
    gsd: DEMO_GSD,
    sizeM,
    bounds: rasterBounds(gt, width, height),
    width,
    height,
    tileSize: DEMO_TILE,
    vintages,
    communes: territory.communes.map((c) => ({ insee: c.insee, name: c.name })),
    communesFile: 'communes.geojson',
    cameras: frames.cameras,
    frames: { dir: 'frames', truth: 'frames/truth.json', count: frames.count, width: frames.width, height: frames.height },
    // The only non-deterministic value: kept out of every other file.
    generatedInMs: Math.round(performance.now() - started),
  };
  writeJson(join(outDir, 'manifest.json'), manifest);
  return manifest;
}

/** Generates the demo territory unless `outDir` already holds one made with this seed and generator version. */
export async function ensureDemoTerritory(options: DemoOptions): Promise<{ manifest: DemoManifest; generated: boolean }> {
  const existing = readManifest(options.outDir);
  const seed = options.seed ?? 42;
  const sizeM = options.sizeM ?? 2000;
  if (existing && existing.seed === seed && existing.generatorVersion === GENERATOR_VERSION && existing.sizeM === sizeM) return { manifest: existing, generated: false };
  return { manifest: await generateDemoTerritory(options), generated: true };
}

export function readManifest(outDir: string): DemoManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as DemoManifest;
  } catch {
    return undefined;
  }
}

function communesGeoJson(t: Territory, gt: GeoTransform) {
  return featureCollection(t.communes.map((c) => polygonFeature(c.ring, gt, { insee: c.insee, name: c.name })));
}

/** A WGS84 polygon (RFC 7946: closed, counter-clockwise exterior) from a local ring. */
function polygonFeature(ring: Point[], gt: GeoTransform, properties: Record<string, unknown>) {
  const l93 = ring.map((p) => localToLambert93(gt, p));
  let signed = 0;
  for (let i = 0; i < l93.length; i++) {
    const [x1, y1] = l93[i]!;
    const [x2, y2] = l93[(i + 1) % l93.length]!;
    signed += x1 * y2 - x2 * y1;
  }
  if (signed < 0) l93.reverse();
  const coords = l93.map((p) => toWgs84(p).map((x) => Math.round(x * 1e9) / 1e9));
  coords.push(coords[0]!);
  return { type: 'Feature' as const, properties, geometry: { type: 'Polygon' as const, coordinates: [coords] } };
}

function featureCollection<T>(features: T[]) {
  return { type: 'FeatureCollection' as const, features };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 1) + '\n');
}
