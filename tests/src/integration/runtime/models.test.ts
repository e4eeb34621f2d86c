import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { chipGrid } from '@vigie/api/geo';
import {
  checkModelAgainstCard,
  loadModel,
  loadModelCard,
  measurePathOverhead,
  mergeChipDetections,
  mosaicChipClassMaps,
  preprocess,
  SessionPool,
  type LoadedModel,
} from '@vigie/workers/runtime';
import { texture } from '../../support/texture';

const fixtures = fileURLToPath(new URL('../../../fixtures/models/', import.meta.url));
const dir = (id: string) => join(fixtures, id);

const open: LoadedModel[] = [];
afterAll(async () => {
  await Promise.all(open.map((m) => m.close()));
});
async function load(id: string, options = {}) {
  const model = await loadModel(dir(id), options);
  open.push(model);
  return model;
}

describe('checkModelAgainstCard on exported graphs', () => {
  it.each(['random-yolov8', 'random-yolox', 'random-segmentation-nir', 'random-density'])('accepts %s', async (id) => {
    const card = await loadModelCard(dir(id));
    const check = await checkModelAgainstCard(join(dir(id), card.file), card);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.sha256).toBe(card.sha256);
    expect(check.inputs[0]).toMatchObject({ name: card.input.name, type: 'float32' });
  });

  it('refuses a model whose output contradicts its card, saying which dim', async () => {
    const card = await loadModelCard(dir('random-mismatch'));
    const check = await checkModelAgainstCard(join(dir('random-mismatch'), card.file), card);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(['sortie yolov8 [1, 4+nc, N] « output0 » : dimension 1 (4 + 2 classes) vaut 7, attendu 6']);
    await expect(loadModel(dir('random-mismatch'))).rejects.toMatchObject({ code: 'model_card_mismatch' });
  });

  it('refuses wrong names, channels, format and a yolox card on a yolov8 graph', async () => {
    const card = await loadModelCard(dir('random-yolov8'));
    const path = join(dir('random-yolov8'), card.file);
    const renamed = await checkModelAgainstCard(path, { ...card, input: { ...card.input, name: 'x', channels: 4 } });
    expect(renamed.problems.join('\n')).toMatch(/entrée « x » absente \(le modèle a : « images »\)/);
    const wide = await checkModelAgainstCard(path, { ...card, input: { ...card.input, channels: 4 } });
    expect(wide.problems.join('\n')).toMatch(/dimension 1 \(canaux\) vaut 3, attendu 4/);
    const yolox = await checkModelAgainstCard(path, { ...card, output: { ...card.output, format: 'yolox' } });
    expect(yolox.ok).toBe(false);
    expect(yolox.problems.join('\n')).toMatch(/yolox/);
    const seg = await checkModelAgainstCard(path, { ...card, task: 'segmentation', output: { ...card.output, format: 'segmentation-logits' } });
    expect(seg.problems.join('\n')).toMatch(/rang 3/);
  });

  it('refuses a file that is not ONNX, and a file changed since its card was written', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'vigie-model-'));
    const card = await loadModelCard(dir('random-yolov8'));
    await writeFile(join(tmp, 'model.onnx'), 'not a model');
    await expect(SessionPool.create(join(tmp, 'model.onnx'), { sessions: 2 })).rejects.toMatchObject({ code: 'invalid_model_file' });
    const check = await checkModelAgainstCard(join(tmp, 'model.onnx'), card);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatch(/pas un modèle ONNX lisible/);

    await copyFile(join(dir('random-yolox'), 'model.onnx'), join(tmp, 'model.onnx'));
    await writeFile(join(tmp, 'model.json'), await readFile(join(dir('random-yolov8'), 'model.json')));
    await expect(loadModel(tmp)).rejects.toMatchObject({ code: 'model_checksum_mismatch' });
  });
});

async function model0() {
  return preprocess(await loadModelCard(dir('random-yolov8')), texture(64, 64));
}

describe('running exported models through the pool', () => {
  it('yolov8 layout: detects on a raster and an encoded image, in source pixels', async () => {
    const model = await load('random-yolov8');
    expect(model.pool.size).toBeGreaterThanOrEqual(1);
    const image = texture(200, 120);
    const boxes = await model.detect(image, { scoreThreshold: 0 });
    expect(boxes.length).toBeGreaterThan(0);
    for (const b of boxes) {
      expect(b.x1).toBeGreaterThanOrEqual(0);
      expect(b.x2).toBeLessThanOrEqual(200);
      expect(b.y2).toBeLessThanOrEqual(120);
      expect(b.x2).toBeGreaterThan(b.x1);
      expect([0, 1]).toContain(b.classId);
    }
    const png = await sharp(Buffer.from(image.data), { raw: { width: 200, height: 120, channels: 3 } }).png().toBuffer();
    expect(await model.detect(png, { scoreThreshold: 0 })).toEqual(boxes);
    expect(await model.detect(image, { scoreThreshold: 1.01 })).toEqual([]);
    await expect(model.segment(image)).rejects.toMatchObject({ code: 'model_task_mismatch' });
  });

  it('yolox layout (raw grid): decodes and merges across chips of a window', async () => {
    const model = await load('random-yolox');
    const window = { x: 0, y: 0, width: 150, height: 100 };
    const raster = texture(window.width, window.height);
    const chips = chipGrid({ ...window, chipSize: 64, overlap: 16 });
    const results = await Promise.all(
      chips.map(async (chip) => {
        const data = new Uint8Array(chip.width * chip.height * 3);
        for (let r = 0; r < chip.height; r++) {
          const start = ((chip.y + r) * window.width + chip.x) * 3;
          data.set(raster.data.subarray(start, start + chip.width * 3) as Uint8Array, r * chip.width * 3);
        }
        const detections = await model.detect({ data, width: chip.width, height: chip.height, bands: ['R', 'G', 'B'] }, { scoreThreshold: 0.05 });
        return { chip, detections };
      }),
    );
    const merged = mergeChipDetections(results, { window, iouThreshold: model.card.thresholds.iou });
    expect(merged.length).toBeLessThanOrEqual(results.reduce((n, r) => n + r.detections.length, 0));
    for (const b of merged) {
      expect(b.x2).toBeLessThanOrEqual(150);
      expect(b.y2).toBeLessThanOrEqual(100);
    }
    const counted = await model.count(raster);
    expect(counted.counts.map((c) => c.name)).toEqual(['personne', 'véhicule']);
  });

  it('segmentation with NIR: refused on RGB imagery, mosaicked on RGBN', async () => {
    const model = await load('random-segmentation-nir');
    await expect(model.segment(texture(32, 32))).rejects.toMatchObject({ code: 'missing_bands' });
    const window = { x: 0, y: 0, width: 80, height: 48 };
    const raster = texture(window.width, window.height, ['R', 'G', 'B', 'NIR']);
    const single = await model.segment(raster);
    expect(single).toMatchObject({ width: 80, height: 48 });
    expect(Math.max(...single.classes)).toBeLessThan(4);
    const chips = chipGrid({ ...window, chipSize: 32, overlap: 8 });
    const maps = await Promise.all(
      chips.map(async (chip) => {
        const data = new Uint8Array(chip.width * chip.height * 4);
        for (let r = 0; r < chip.height; r++) {
          const start = ((chip.y + r) * window.width + chip.x) * 4;
          data.set(raster.data.subarray(start, start + chip.width * 4) as Uint8Array, r * chip.width * 4);
        }
        return { chip, map: await model.segment({ data, width: chip.width, height: chip.height, bands: raster.bands }) };
      }),
    );
    const mosaic = mosaicChipClassMaps(maps, window);
    expect(mosaic.classes.every((c) => c < 4)).toBe(true);
  });

  it('density map: counts are the sum of the map', async () => {
    const model = await load('random-density');
    const result = await model.count(texture(50, 40));
    expect(result.density).toMatchObject({ width: 8, height: 8 });
    const sum = result.density!.map.reduce((a, b) => a + b, 0);
    expect(result.total).toBeCloseTo(sum, 3);
    expect(result.counts).toEqual([{ classId: 0, name: 'personne', count: result.total }]);
    await expect(model.detect(texture(8, 8))).rejects.toMatchObject({ code: 'model_task_mismatch' });
  });

  it('benchmarks the path against bare runs of the file itself, which a pool fed bytes opens for them', async () => {
    const model = await load('random-yolov8', { sessions: 2 });
    expect(model.pixelInput).toBe(true);
    const overhead = await measurePathOverhead(model, [texture(64, 64), texture(80, 48)], 4);
    for (const ms of [overhead.bareMs, overhead.wholeMs, overhead.pipelinedMs, overhead.bareBusyMs]) {
      expect(Number.isFinite(ms) && ms > 0).toBe(true);
    }
    expect(model.pool.load).toEqual({ busy: 0, waiting: 0 });
  });

  it('queues runs beyond the pool size and answers every one', async () => {
    const pool = await SessionPool.create(join(dir('random-yolov8'), 'model.onnx'), { sessions: 2 });
    expect(pool.intraOpNumThreads).toBeGreaterThanOrEqual(1);
    const feeds = { images: (await model0()).tensor };
    const pending = Array.from({ length: 5 }, () => pool.run(feeds));
    expect(pool.load).toEqual({ busy: 2, waiting: 3 });
    expect((await Promise.all(pending)).every((o) => o.output0!.dims.join() === '1,6,84')).toBe(true);
    expect(pool.load).toEqual({ busy: 0, waiting: 0 });
    expect(feeds.images.data.length).toBe(3 * 64 * 64); // copied, still usable
    const moved = await pool.runTransferring(feeds);
    expect(feeds.images.data.length).toBe(0); // the buffer went to the session thread…
    expect(moved.inputs.images!.data.length).toBe(3 * 64 * 64); // …and came back
    expect(moved.outputs.output0!.dims).toEqual([1, 6, 84]);
    const card = await loadModelCard(dir('random-yolov8'));
    const tooSmall = (await preprocess({ ...card, input: { ...card.input, width: 2, height: 2 } }, texture(2, 2))).tensor;
    await expect(pool.run({ images: tooSmall })).rejects.toMatchObject({ code: 'inference_failed' });
    expect((await pool.run({ images: moved.inputs.images! })).output0!.dims).toEqual([1, 6, 84]); // the session survives a failed run
    await expect(pool.run(feeds)).rejects.toMatchObject({ code: 'invalid_input_tensor' }); // detached: refused, pool intact
    expect(pool.load).toEqual({ busy: 0, waiting: 0 });
    const model = await load('random-yolov8', { sessions: 2 });
    const runs = await Promise.all(Array.from({ length: 9 }, (_, i) => model.infer(texture(64 + i, 64))));
    expect(runs.every((r) => r.output.dims.join() === '1,6,84')).toBe(true);
    expect(model.pool.load).toEqual({ busy: 0, waiting: 0 });
    await pool.close();
  });
});
