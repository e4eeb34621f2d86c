import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrainingSet, type TrainingMeta, type TrainingTask } from '@vigie/data';
import { evaluateModel, matchDetections, yoloBoxes, type FrameCount } from '@vigie/workers/models';
import { iou, loadModel, type LoadedModel } from '@vigie/workers/runtime';

/**
 * Each shipped baseline, through Vigie's runtime, on a few chips the generator makes here with a
 * fixed seed that no training split uses (training sets use seed 42 or 43, on disjoint scene ranges).
 */
const MODELS = resolve(import.meta.dirname, '../../../../models');
const run = promisify(execFile);
const TEST_SEED = 7;
const work = mkdtempSync(join(tmpdir(), 'vigie-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function chips(task: TrainingTask, count: number): Promise<{ dir: string; meta: TrainingMeta }> {
  const dir = join(work, task);
  const meta = await generateTrainingSet({ task, split: 'test', count, outDir: dir, seed: TEST_SEED });
  return { dir, meta };
}

/** The `vigie` command line, as an operator runs it (node with tsx as a loader). */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'workers/src/cli/main.ts', ...args], { cwd: resolve(MODELS, '..') });
  return stdout;
}

function withModel(id: string) {
  const ref: { model?: LoadedModel } = {};
  beforeAll(async () => {
    ref.model = await loadModel(join(MODELS, id));
  });
  afterAll(async () => {
    await ref.model?.close();
  });
  return () => ref.model!;
}

describe('dumps-detector', () => {
  const model = withModel('dumps-detector');

  it('finds the most visible dump of the generated chips, and every detection is a dump above the card threshold', async () => {
    const { dir, meta } = await chips('dumps', 6);
    let known: { image: string; box: ReturnType<typeof yoloBoxes>[number] } | undefined;
    const area = (b: { x1: number; y1: number; x2: number; y2: number }) => (b.x2 - b.x1) * (b.y2 - b.y1);
    for (const chip of meta.chips) {
      for (const box of yoloBoxes(readFileSync(join(dir, chip.label), 'utf8'), meta.imageSize)) {
        if (!known || area(box) > area(known.box)) known = { image: chip.image, box };
      }
    }
    expect(known).toBeDefined();
    const detections = await model().detect(readFileSync(join(dir, known!.image)));
    const best = Math.max(0, ...detections.map((d) => iou(d, known!.box)));
    expect(best, `${known!.image}: best IoU with the known dump`).toBeGreaterThanOrEqual(0.5);
    expect(detections.every((d) => d.classId === 0 && d.score >= model().card.thresholds.score)).toBe(true);
  });

  it('recalls at least 40 % of the dumps of those chips at the card threshold (baseline level)', async () => {
    const dir = join(work, 'dumps');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    let found = 0;
    let total = 0;
    for (const chip of meta.chips) {
      const truth = yoloBoxes(readFileSync(join(dir, chip.label), 'utf8'), meta.imageSize);
      const detections = await model().detect(readFileSync(join(dir, chip.image)));
      total += truth.length;
      found += matchDetections(detections, truth).filter(Boolean).length;
    }
    expect(found / total).toBeGreaterThanOrEqual(0.4);
  });
});

describe('landcover-segmenter', () => {
  const model = withModel('landcover-segmenter');

  it('classifies the heart of the largest known building as built, and finds buildings where they are (IoU over 0.75)', async () => {
    const { dir, meta } = await chips('landcover', 3);
    const bati = model().card.classes.find((c) => c.name === 'bati')!;
    expect(bati.artificialised).toBe(true);
    expect(bati.category).toBe('CS1.1.1.1');
    const [w, h] = meta.imageSize;
    // The known building: the pixel with the widest square of bâti around it, over the chips.
    let known: { chip: number; pixel: number; radius: number } | undefined;
    const masks: Buffer[] = [];
    for (const [k, chip] of meta.chips.entries()) {
      const mask = await sharp(join(dir, chip.label)).extractChannel(0).raw().toBuffer();
      masks.push(mask);
      const integral = new Int32Array((w + 1) * (h + 1));
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          integral[(y + 1) * (w + 1) + x + 1] = (mask[y * w + x] === bati.id ? 1 : 0) + integral[y * (w + 1) + x + 1]! + integral[(y + 1) * (w + 1) + x]! - integral[y * (w + 1) + x]!;
        }
      }
      const square = (x: number, y: number, r: number) =>
        integral[(y + r + 1) * (w + 1) + x + r + 1]! - integral[(y - r) * (w + 1) + x + r + 1]! - integral[(y + r + 1) * (w + 1) + x - r]! + integral[(y - r) * (w + 1) + x - r]!;
      for (let r = (known?.radius ?? 0) + 1; r < 64; r++) {
        let found = -1;
        for (let y = r; y < h - r && found < 0; y++) for (let x = r; x < w - r && found < 0; x++) if (square(x, y, r) === (2 * r + 1) ** 2) found = y * w + x;
        if (found < 0) break;
        known = { chip: k, pixel: found, radius: r };
      }
    }
    expect(known, 'a building in the generated chips').toBeDefined();
    const predicted = await model().segment(readFileSync(join(dir, meta.chips[known!.chip]!.image)));
    expect(predicted.width).toBe(w);
    const atKnown = model().card.classes[predicted.classes[known!.pixel]!]!;
    expect(atKnown.name, `pixel ${known!.pixel % w},${Math.floor(known!.pixel / w)} of ${meta.chips[known!.chip]!.image}`).toBe('bati');
    // The test-split IoU(bâti) is in the card (0.88 for the shipped round); over these chips, at least 0.75.
    let hit = 0;
    let union = 0;
    for (const [k, chip] of meta.chips.entries()) {
      const classes = k === known!.chip ? predicted.classes : (await model().segment(readFileSync(join(dir, chip.image)))).classes;
      for (let p = 0; p < masks[k]!.length; p++) {
        const t = masks[k]![p] === bati.id;
        const q = classes[p] === bati.id;
        if (t && q) hit++;
        if (t || q) union++;
      }
    }
    expect(hit / union, 'IoU bâti over the chips').toBeGreaterThan(0.75);
  });

  it('runs its four mirrored passes: a chip seen mirrored reads as the mirror of the chip, to float rounding', async () => {
    expect(model().card.runtime?.flips).toBe('both');
    const dir = join(work, 'landcover');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    const image = join(dir, meta.chips[0]!.image);
    const [w] = meta.imageSize;
    const disagreement = (a: Uint8Array, b: Uint8Array) => {
      let differ = 0;
      for (let p = 0; p < a.length; p++) if (a[p] !== b[p - (p % w) + (w - 1 - (p % w))]) differ++;
      return differ / a.length;
    };
    // the same pixels both ways: the mirror is taken of the decoded chip, not re-encoded
    const pixels = await sharp(image).raw().toBuffer({ resolveWithObject: true });
    const flopped = await sharp(pixels.data, { raw: pixels.info }).flop().raw().toBuffer();
    const raster = (data: Buffer) => ({ data: new Uint8Array(data), width: pixels.info.width, height: pixels.info.height, bands: ['R', 'G', 'B'] as const });
    const withFlips = disagreement((await model().segment(raster(pixels.data))).classes, (await model().segment(raster(flopped))).classes);
    const single = await loadModel(join(MODELS, 'landcover-segmenter'), { flips: 'none' });
    try {
      const alone = disagreement((await single.segment(raster(pixels.data))).classes, (await single.segment(raster(flopped))).classes);
      console.log(`landcover mirrored chip: ${(withFlips * 100).toFixed(3)} % of pixels differ with the four passes, ${(alone * 100).toFixed(2)} % with one`);
      expect(withFlips).toBeLessThan(1e-4);
      expect(alone).toBeGreaterThan(withFlips);
    } finally {
      await single.close();
    }
  });
});

describe('crowd-counter', () => {
  const model = withModel('crowd-counter');

  it('matches the known people and vehicle counts of generated frames within the baseline tolerance', async () => {
    const { dir, meta } = await chips('crowd', 4);
    // A frame's error is per-person noise (on the test split, some frames of a few half-hidden people are off by
    // several people): each frame within three times the card's test-split error, about
    // 2.4 standard deviations of that noise, or 15 % of a crowd. A better model gets a tighter bound; a card that
    // claimed a worse baseline than 1.5 people a frame would loosen it, so it fails here first.
    const results = model().card.metrics?.results as { maePeople: number } | undefined;
    expect(results?.maePeople).toBeLessThanOrEqual(1.5);
    const tolerance = 3 * results!.maePeople;
    const predictedPeople: number[] = [];
    for (const frame of meta.chips) {
      const result = await model().count(readFileSync(join(dir, frame.image)));
      const people = result.counts.find((c) => c.name === 'person')!.count;
      const vehicles = result.counts.find((c) => c.name === 'vehicle')!.count;
      const truth = frame.counts!;
      // The card's test-split people MAE is still above the target, which the last test states and is
      // expected to fail until a better model ships.
      expect(Math.abs(people - truth.person), `${frame.image}: ${people.toFixed(1)} people for ${truth.person}`).toBeLessThanOrEqual(Math.max(tolerance, 0.15 * truth.person));
      expect(Math.abs(vehicles - truth.vehicle), `${frame.image}: ${vehicles.toFixed(1)} vehicles for ${truth.vehicle}`).toBeLessThanOrEqual(2);
      expect(result.density?.width).toBe(model().card.input.width / 2); // stride 4 of the frame the graph enlarges twice
      predictedPeople.push(people);
    }
    // the busiest frame reads as the busiest
    const busiest = meta.chips.reduce((a, b, k) => (b.counts!.person > meta.chips[a]!.counts!.person ? k : a), 0);
    expect(predictedPeople.indexOf(Math.max(...predictedPeople))).toBe(busiest);
  });

  it('averages left-right passes when asked (runtime.flips): a frame and its mirror count alike, to float rounding, and the map is the mean', async () => {
    // the shipped card runs one pass (the net reads the frame enlarged to 1280 × 768: a second pass would halve the cameras'
    // throughput); the runtime still offers mirrored passes for density maps, tested here on the shipped graph
    expect(model().card.runtime?.flips ?? 'none').toBe('none');
    const dir = join(work, 'crowd');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    const frame = meta.chips.reduce((a, b) => (b.counts!.person > a.counts!.person ? b : a));
    // the graph's enlargement is symmetric (its two phases mirror each other), so it commutes with the mirror
    const pixels = await sharp(join(dir, frame.image)).raw().toBuffer({ resolveWithObject: true });
    const flopped = await sharp(pixels.data, { raw: pixels.info }).flop().raw().toBuffer();
    const raster = (data: Buffer) => ({ data: new Uint8Array(data), width: pixels.info.width, height: pixels.info.height, bands: ['R', 'G', 'B'] as const });
    const people = async (m: LoadedModel, data: Buffer) => (await m.count(raster(data))).counts[0]!.count;
    const alone = [await people(model(), pixels.data), await people(model(), flopped)];
    const mirrored = await loadModel(join(MODELS, 'crowd-counter'), { flips: 'horizontal' });
    try {
      const both = [await people(mirrored, pixels.data), await people(mirrored, flopped)];
      console.log(`crowd mirrored frame (${frame.counts!.person} people): ${both.map((c) => c.toFixed(3)).join(' / ')} with two passes, ${alone.map((c) => c.toFixed(3)).join(' / ')} with one`);
      expect(Math.abs(both[0]! - both[1]!)).toBeLessThan(1e-3);
      expect(Math.abs(alone[0]! - alone[1]!)).toBeGreaterThan(Math.abs(both[0]! - both[1]!));
      // the mean of the passes, not their sum: the count stays the count
      expect(both[0]!).toBeCloseTo((alone[0]! + alone[1]!) / 2, 3);
    } finally {
      await mirrored.close();
    }
  });

  it('vigie models eval hands each frame’s counts out, and its means are theirs; its command regenerates the same set', async () => {
    const dir = join(work, 'crowd');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    const frames: FrameCount[] = [];
    const report = await evaluateModel(join(MODELS, 'crowd-counter'), { dataDir: dir, command: 'pnpm vigie models eval crowd-counter', onFrame: (f) => frames.push(f) });
    expect(frames.map((f) => [f.image, f.sceneSeed, f.people, f.vehicles])).toEqual(meta.chips.map((c) => [c.image, c.sceneSeed, c.counts!.person, c.counts!.vehicle]));
    const mean = (errors: number[]) => errors.reduce((a, b) => a + b, 0) / errors.length;
    const results = report.results as { maePeople: number; maeVehicles: number };
    expect(results.maePeople).toBeCloseTo(mean(frames.map((f) => Math.abs(f.predictedPeople - f.people))), 3);
    expect(results.maeVehicles).toBeCloseTo(mean(frames.map((f) => Math.abs(f.predictedVehicles - f.vehicles))), 3);
    expect(frames.some((f) => f.predictedPeople > 0)).toBe(true);
    expect(report.command).toBe(`pnpm vigie models eval crowd-counter --count ${meta.count}`);
  });

  it('vigie models eval --frames writes those counts as CSV, and refuses it for a model that does not count', async () => {
    const dir = join(work, 'crowd');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    const csv = join(work, 'frames.csv');
    const card = readFileSync(join(MODELS, 'crowd-counter', 'model.json'), 'utf8');
    await cli('models', 'eval', 'crowd-counter', '--data', dir, '--no-write', '--frames', csv);
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    expect(header).toBe('image,scene_seed,people,vehicles,predicted_people,predicted_vehicles');
    expect(rows.map((r) => r.split(',').slice(0, 4))).toEqual(meta.chips.map((c) => [c.image, String(c.sceneSeed), String(c.counts!.person), String(c.counts!.vehicle)]));
    expect(rows.every((r) => Number.isFinite(Number(r.split(',')[4])))).toBe(true);
    expect(readFileSync(join(MODELS, 'crowd-counter', 'model.json'), 'utf8')).toBe(card);
    await expect(cli('models', 'eval', 'dumps-detector', '--data', dir, '--no-write', '--frames', csv)).rejects.toThrow(/--frames ne vaut que pour un modèle de comptage/);
  });

  it('vigie models eval refuses an image count that is not a positive integer, and a set of no images, writing nothing', async () => {
    const fresh = join(work, 'never-made');
    await expect(cli('models', 'eval', 'crowd-counter', '--data', fresh, '--count', 'abc')).rejects.toThrow(/--count <n>' argument 'abc' is invalid. un entier positif est attendu/);
    expect(existsSync(fresh)).toBe(false);
    // a set left empty (a former generator took any count): refused rather than measured on nothing
    const empty = join(work, 'empty');
    const meta = JSON.parse(readFileSync(join(work, 'crowd', 'meta.json'), 'utf8')) as TrainingMeta;
    mkdirSync(empty);
    writeFileSync(join(empty, 'meta.json'), JSON.stringify({ ...meta, count: 0, chips: [] }));
    await expect(evaluateModel(join(MODELS, 'crowd-counter'), { dataDir: empty, command: 'x' })).rejects.toMatchObject({ code: 'wrong_test_set' });
  });

  // The target (±10 % from 40 people, within 1 person below): NOT met by the shipped baseline.
  // it.fails keeps the suite honest: it turns red the day a model meets it, to be flipped to it().
  it.fails('meets the target: within 1 person (or ±10 % from 40 people) and 0.5 vehicle on every frame', async () => {
    const dir = join(work, 'crowd');
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as TrainingMeta;
    for (const frame of meta.chips) {
      const result = await model().count(readFileSync(join(dir, frame.image)));
      const truth = frame.counts!;
      const people = result.counts.find((c) => c.name === 'person')!.count;
      expect(Math.abs(people - truth.person)).toBeLessThanOrEqual(truth.person >= 40 ? 0.1 * truth.person : 1);
      expect(Math.abs(result.counts.find((c) => c.name === 'vehicle')!.count - truth.vehicle)).toBeLessThanOrEqual(0.5);
    }
  });
});
