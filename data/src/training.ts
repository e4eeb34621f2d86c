import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { VigieError } from '@vigie/api/errors';
import { renderFrame } from './frames/render';
import { crowdFor } from './frames/render';
import { FRAME_HEIGHT, FRAME_WIDTH, TIMES_OF_DAY, type CameraView } from './frames/scene';
import { LANDCOVER_CLASSES } from './landcover';
import { prepareScene, renderWindow, type Appearance } from './render/ortho';
import { Rng } from './random';
import { ringBounds } from './territory/geometry';
import { buildTerritory, vintageScene, type Territory } from './territory/layout';
import type { Point, VintageScene } from './territory/types';
import { GENERATOR_VERSION, type Progress } from './territory';

export type TrainingTask = 'dumps' | 'landcover' | 'crowd';
export type TrainingSplit = 'train' | 'val' | 'test';

export const CHIP_SIZE = 512;
export const CHIP_GSD = 0.2;
const CHIPS_PER_SCENE = 24;

/**
 * Sides of the generated scenes chips are cut from. The change sites (estates, the business zone and its
 * lawns) grow with the territory, so land-cover scenes also come at the demo territory's 2 km, where a
 * business lawn stretches 50 m from any building; in 600 m scenes alone it never does.
 */
const SCENE_SIDES_M: Record<'dumps' | 'landcover', number[]> = { dumps: [600], landcover: [600, 1200, 2000] };

export function sceneSideFor(task: 'dumps' | 'landcover', sceneSeed: number): number {
  const sides = SCENE_SIDES_M[task];
  return sides[sceneSeed % sides.length]!;
}

/**
 * Scene seeds per split live in disjoint ranges (and never overlap the demo
 * territory's seeds, below 1e8), so no scene seen in training shows up in
 * validation or test.
 */
export const SPLIT_SEED_BASE: Record<TrainingSplit, number> = { train: 100_000_000, val: 200_000_000, test: 300_000_000 };

export function sceneSeedFor(split: TrainingSplit, seed: number, index: number): number {
  return SPLIT_SEED_BASE[split] + (Math.abs(seed) % 1000) * 100_000 + Math.floor(index / CHIPS_PER_SCENE);
}

export interface TrainingOptions {
  task: TrainingTask;
  split: TrainingSplit;
  count: number;
  outDir: string;
  seed?: number;
  onProgress?: Progress;
}

export interface ChipMeta {
  n: number;
  image: string;
  label: string;
  sceneSeed: number;
  /** Side of the generated scene the chip was cut from, in metres. */
  sceneSideM?: number;
  year?: number;
  dumps?: number;
  hardNegatives?: string[];
  counts?: { person: number; vehicle: number };
}

export interface TrainingMeta {
  /** the generator that made the set (its labels change with it: v8 relabelled the people under trees); absent before v8 */
  generatorVersion?: number;
  task: TrainingTask;
  split: TrainingSplit;
  seed: number;
  count: number;
  sceneSeedRange: [number, number];
  imageSize: [number, number];
  gsd?: number;
  classes: string[];
  chips: ChipMeta[];
}

/** Writes `count` labelled samples for one task and split under `outDir`. */
export async function generateTrainingSet(opts: TrainingOptions): Promise<TrainingMeta> {
  const seed = opts.seed ?? 42;
  const { task, split, count, outDir } = opts;
  // before any folder is made: a set of no images would pass later for one measured on nothing
  if (!Number.isInteger(count) || count < 1) throw new VigieError('invalid_input', `Nombre d'images ${count} : un entier positif est attendu.`);
  mkdirSync(join(outDir, 'images'), { recursive: true });
  mkdirSync(join(outDir, task === 'landcover' ? 'masks' : 'labels'), { recursive: true });
  const chips: ChipMeta[] = [];
  // one territory per scene seed; each chip prepares its own scene (season and sun are drawn per chip)
  let cached: { seed: number; territory: Territory } | undefined;
  for (let n = 0; n < count; n++) {
    const sceneSeed = sceneSeedFor(split, seed, n);
    const rng = new Rng(sceneSeed * 7919 + (n % CHIPS_PER_SCENE));
    if (task === 'crowd') chips.push(await crowdSample(n, sceneSeed, rng, outDir));
    else {
      if (cached?.seed !== sceneSeed) cached = { seed: sceneSeed, territory: buildTerritory({ seed: sceneSeed, sizeM: sceneSideFor(task, sceneSeed), dumpDensity: 70 }) };
      chips.push(await aerialSample(task, n, cached.territory, rng, outDir));
    }
    opts.onProgress?.(n + 1, count, `${task} ${split}`);
  }
  const meta: TrainingMeta = {
    generatorVersion: GENERATOR_VERSION,
    task,
    split,
    seed,
    count,
    sceneSeedRange: [sceneSeedFor(split, seed, 0), sceneSeedFor(split, seed, Math.max(0, count - 1))],
    imageSize: task === 'crowd' ? [FRAME_WIDTH, FRAME_HEIGHT] : [CHIP_SIZE, CHIP_SIZE],
    gsd: task === 'crowd' ? undefined : CHIP_GSD,
    classes: task === 'dumps' ? ['depot'] : task === 'crowd' ? ['person', 'vehicle'] : LANDCOVER_CLASSES.map((c) => c.key),
    chips,
  };
  writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 1) + '\n');
  return meta;
}

/** A random photographic look: light, season, colour balance, haze, noise. */
function randomAppearance(rng: Rng): Appearance {
  return {
    brightness: rng.range(0.8, 1.2),
    contrast: rng.range(0.85, 1.15),
    saturation: rng.range(0.7, 1.25),
    balance: [rng.range(0.9, 1.1), rng.range(0.92, 1.08), rng.range(0.88, 1.12)],
    haze: rng.range(0, 0.12),
    noise: rng.range(1.5, 7),
    shadow: rng.range(0.4, 0.65),
  };
}

function randomizeScene(scene: VintageScene, rng: Rng): VintageScene {
  return { ...scene, season: rng.range(0, 1), sun: { azimuthOffset: rng.range(-0.6, 0.6), elevation: rng.range(0.75, 1.15) } };
}

async function aerialSample(task: 'dumps' | 'landcover', n: number, territory: Territory, rng: Rng, outDir: string): Promise<ChipMeta> {
  const vintage = rng.int(0, 2);
  const scene = randomizeScene(vintageScene(territory, vintage), rng);
  const prepared = prepareScene(scene, CHIP_GSD);
  const chipM = CHIP_SIZE * CHIP_GSD;
  const maxOrigin = territory.sizeM - chipM;
  const at = (c: Point): Point => [clamp(c[0] - rng.range(0.15, 0.85) * chipM, 0, maxOrigin), clamp(c[1] - rng.range(0.15, 0.85) * chipM, 0, maxOrigin)];
  let origin: Point = [rng.range(0, maxOrigin), rng.range(0, maxOrigin)];
  const wantDump = task === 'dumps' && rng.next() < 0.66 && scene.dumps.length > 0;
  if (wantDump) origin = at(rng.pick(scene.dumps).center);
  else if (task === 'dumps') {
    // Negatives: most of them centred on something that looks like a dump.
    for (let tries = 0; tries < 30; tries++) {
      const candidate = rng.chance(0.75) && scene.hardNegatives.length ? at(rng.pick(scene.hardNegatives).center) : [rng.range(0, maxOrigin), rng.range(0, maxOrigin)] as Point;
      if (!scene.dumps.some((d) => overlaps(ringBounds(d.footprint), candidate, chipM))) {
        origin = candidate;
        break;
      }
    }
  } else if (rng.chance(0.35)) origin = at(rng.pick(territory.changeSites).center);
  const col0 = Math.round(origin[0] / CHIP_GSD);
  const row0 = Math.round(origin[1] / CHIP_GSD);
  const r = renderWindow(prepared, col0, row0, CHIP_SIZE, CHIP_SIZE, randomAppearance(rng));
  const name = String(n).padStart(6, '0');
  const blur = rng.chance(0.5) ? rng.range(0.3, 1.2) : 0;
  let img = sharp(r.rgb, { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } });
  if (blur > 0) img = img.blur(blur);
  writeFileSync(join(outDir, 'images', `${name}.jpg`), await img.jpeg({ quality: rng.int(55, 95) }).toBuffer());
  const meta: ChipMeta = { n, image: `images/${name}.jpg`, label: '', sceneSeed: territory.seed, sceneSideM: territory.sizeM, year: scene.year };
  if (task === 'landcover') {
    meta.label = `masks/${name}.png`;
    writeFileSync(join(outDir, meta.label), await sharp(r.classes, { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer());
    return meta;
  }
  const x0 = col0 * CHIP_GSD;
  const y0 = row0 * CHIP_GSD;
  const lines: string[] = [];
  for (const d of scene.dumps) {
    const [minU, minV, maxU, maxV] = ringBounds(d.footprint);
    const a = clamp(minU - x0, 0, chipM);
    const b = clamp(minV - y0, 0, chipM);
    const c = clamp(maxU - x0, 0, chipM);
    const e = clamp(maxV - y0, 0, chipM);
    const full = (maxU - minU) * (maxV - minV);
    // Keep a dump when at least a third of its box is in the chip.
    if (c <= a || e <= b || ((c - a) * (e - b)) / full < 0.33) continue;
    lines.push(`0 ${f6((a + c) / 2 / chipM)} ${f6((b + e) / 2 / chipM)} ${f6((c - a) / chipM)} ${f6((e - b) / chipM)}`);
  }
  meta.label = `labels/${name}.txt`;
  writeFileSync(join(outDir, meta.label), lines.length ? lines.join('\n') + '\n' : '');
  meta.dumps = lines.length;
  meta.hardNegatives = [...new Set(scene.hardNegatives.filter((h) => overlaps(ringBounds(h.footprint), [x0, y0], chipM)).map((h) => h.kind))].sort();
  return meta;
}

async function crowdSample(n: number, sceneSeed: number, rng: Rng, outDir: string): Promise<ChipMeta> {
  const view: CameraView = rng.chance(0.5) ? 'place' : 'rue';
  const time = rng.pick(TIMES_OF_DAY);
  const crowd = crowdFor(rng, time);
  const frame = await renderFrame(sceneSeed * 100 + (n % CHIPS_PER_SCENE), view, time, crowd, {
    blur: rng.chance(0.5) ? rng.range(0.3, 1.4) : 0,
    quality: rng.int(50, 92),
    brightness: rng.range(0.75, 1.2),
    saturation: rng.range(0.7, 1.2),
  });
  const name = String(n).padStart(6, '0');
  writeFileSync(join(outDir, 'images', `${name}.jpg`), frame.jpeg);
  const lines = frame.boxes.map((b) => `${b.cls === 'person' ? 0 : 1} ${f6((b.x + b.w / 2) / FRAME_WIDTH)} ${f6((b.y + b.h / 2) / FRAME_HEIGHT)} ${f6(b.w / FRAME_WIDTH)} ${f6(b.h / FRAME_HEIGHT)}`);
  writeFileSync(join(outDir, 'labels', `${name}.txt`), lines.length ? lines.join('\n') + '\n' : '');
  return { n, image: `images/${name}.jpg`, label: `labels/${name}.txt`, sceneSeed, counts: frame.counts };
}

function overlaps(b: [number, number, number, number], origin: Point, size: number): boolean {
  return b[0] < origin[0] + size && b[2] > origin[0] && b[1] < origin[1] + size && b[3] > origin[1];
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const f6 = (x: number) => x.toFixed(6);
