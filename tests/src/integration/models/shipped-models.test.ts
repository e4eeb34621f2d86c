import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrainingSet, type TrainingMeta, type TrainingTask } from '@vigie/data';
import { matchDetections, yoloBoxes } from '@vigie/workers/models';
import { iou, loadModel, type LoadedModel } from '@vigie/workers/runtime';

/**
 * Each shipped baseline, through Vigie's runtime, on a few chips the generator makes here with a
 * fixed seed that no training split uses (training sets use seed 42 or 43, on disjoint scene ranges).
 */
const MODELS = resolve(import.meta.dirname, '../../../../models');
const TEST_SEED = 7;
const work = mkdtempSync(join(tmpdir(), 'vigie-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function chips(task: TrainingTask, count: number): Promise<{ dir: string; meta: TrainingMeta }> {
  const dir = join(work, task);
  const meta = await generateTrainingSet({ task, split: 'test', count, outDir: dir, seed: TEST_SEED });
  return { dir, meta };
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

  it('finds the largest dump of each generated chip, and its box overlaps the truth', async () => {
    const { dir, meta } = await chips('dumps', 6);
    const withDumps = meta.chips.filter((c) => (c.dumps ?? 0) > 0);
    expect(withDumps.length).toBeGreaterThan(0);
    for (const chip of withDumps) {
      const truth = yoloBoxes(readFileSync(join(dir, chip.label), 'utf8'), meta.imageSize);
      const largest = truth.reduce((a, b) => ((b.x2 - b.x1) * (b.y2 - b.y1) > (a.x2 - a.x1) * (a.y2 - a.y1) ? b : a));
      const detections = await model().detect(readFileSync(join(dir, chip.image)));
      const best = Math.max(0, ...detections.map((d) => iou(d, largest)));
      expect(best, `${chip.image}: best IoU with the largest dump`).toBeGreaterThanOrEqual(0.5);
      expect(detections.every((d) => d.classId === 0 && d.score >= model().card.thresholds.score)).toBe(true);
    }
  });

  it('recalls most dumps of those chips at the card threshold', async () => {
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
    expect(found / total).toBeGreaterThan(0.6);
  });
});

describe('landcover-segmenter', () => {
  const model = withModel('landcover-segmenter');

  it('classifies the inside of a known building as bâti, and most building pixels too', async () => {
    const { dir, meta } = await chips('landcover', 3);
    const bati = model().card.classes.find((c) => c.name === 'bati')!;
    expect(bati.artificialised).toBe(true);
    let checked = 0;
    for (const chip of meta.chips) {
      const mask = await sharp(join(dir, chip.label)).extractChannel(0).raw().toBuffer();
      const [w, h] = meta.imageSize;
      // A building pixel 4 px away from any other class: the known building, far from its edges.
      let known = -1;
      for (let y = 4; y < h - 4 && known < 0; y++) {
        for (let x = 4; x < w - 4 && known < 0; x++) {
          let inside = true;
          for (let dy = -4; dy <= 4 && inside; dy++) for (let dx = -4; dx <= 4 && inside; dx++) inside = mask[(y + dy) * w + x + dx] === bati.id;
          if (inside) known = y * w + x;
        }
      }
      if (known < 0) continue;
      const predicted = await model().segment(readFileSync(join(dir, chip.image)));
      expect(predicted.width).toBe(w);
      expect(predicted.classes[known], `${chip.image} pixel ${known % w},${Math.floor(known / w)}`).toBe(bati.id);
      let hit = 0;
      let union = 0;
      for (let p = 0; p < mask.length; p++) {
        const t = mask[p] === bati.id;
        const q = predicted.classes[p] === bati.id;
        if (t && q) hit++;
        if (t || q) union++;
      }
      expect(hit / union, `${chip.image}: IoU bâti`).toBeGreaterThan(0.6);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('crowd-counter', () => {
  const model = withModel('crowd-counter');

  it('matches the known people and vehicle counts of generated frames', async () => {
    const { dir, meta } = await chips('crowd', 4);
    for (const frame of meta.chips) {
      const result = await model().count(readFileSync(join(dir, frame.image)));
      const people = result.counts.find((c) => c.name === 'person')!.count;
      const vehicles = result.counts.find((c) => c.name === 'vehicle')!.count;
      const truth = frame.counts!;
      expect(Math.abs(people - truth.person), `${frame.image}: ${people.toFixed(1)} people for ${truth.person}`).toBeLessThanOrEqual(Math.max(2, 0.1 * truth.person));
      expect(Math.abs(vehicles - truth.vehicle), `${frame.image}: ${vehicles.toFixed(1)} vehicles for ${truth.vehicle}`).toBeLessThanOrEqual(1);
      expect(result.density?.width).toBe(160);
    }
  });
});
