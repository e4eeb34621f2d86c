import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addModel, listModelFolders, readModelFolder } from '@vigie/workers/models';
import { loadModel, parseModelCard, sha256File } from '@vigie/workers/runtime';
import { texture } from '../../support/texture';

const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/models');
const SHIPPED = resolve(import.meta.dirname, '../../../../models');
const modelsDir = mkdtempSync(join(tmpdir(), 'vigie-models-add-'));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

const fixture = (id: string) => ({ onnx: join(FIXTURES, id, 'model.onnx'), card: join(FIXTURES, id, 'model.json') });

describe('vigie models add', () => {
  it('copies the weights a model keeps beside it (ONNX external data), and the copy runs', async () => {
    const { onnx, card } = fixture('random-density-external');
    const added = await addModel(onnx, card, { modelsDir });
    expect(readFileSync(join(added.dir, 'model.onnx.data'))).toEqual(readFileSync(join(FIXTURES, 'random-density-external', 'model.onnx.data')));
    const model = await loadModel(added.dir);
    try {
      const counted = await model.count(texture(50, 40));
      expect(counted.total).toBeGreaterThanOrEqual(0);
      expect(counted.density).toMatchObject({ width: 8, height: 8 });
    } finally {
      await model.close();
    }
  });

  it.each(['random-yolov8', 'random-yolox'])('accepts the %s export, copies it with its checksum, and it decodes', async (id) => {
    const { onnx, card } = fixture(id);
    const added = await addModel(onnx, card, { modelsDir });
    expect(added.dir).toBe(join(modelsDir, id));
    expect(readFileSync(join(added.dir, 'model.onnx'))).toEqual(readFileSync(onnx));
    expect(added.raw.sha256).toBe(added.sha256);
    const model = await loadModel(added.dir);
    try {
      const detections = await model.detect(texture(96, 80), { scoreThreshold: 0 });
      for (const d of detections) {
        expect(d.x1).toBeGreaterThanOrEqual(0);
        expect(d.x2).toBeLessThanOrEqual(96);
        expect(d.y2).toBeLessThanOrEqual(80);
      }
    } finally {
      await model.close();
    }
  });

  it('refuses a model whose outputs contradict its card, says why, and writes nothing', async () => {
    const { onnx, card } = fixture('random-mismatch');
    await expect(addModel(onnx, card, { modelsDir })).rejects.toMatchObject({
      code: 'model_card_mismatch',
      message: expect.stringContaining('dimension 1 (4 + 2 classes) vaut 7, attendu 6'),
    });
    expect(existsSync(join(modelsDir, 'random-mismatch'))).toBe(false);
  });

  it('refuses to overwrite a model of the same id unless asked', async () => {
    const { onnx, card } = fixture('random-yolov8');
    await expect(addModel(onnx, card, { modelsDir })).rejects.toMatchObject({ code: 'model_exists' });
    await expect(addModel(onnx, card, { modelsDir, replace: true })).resolves.toMatchObject({ card: { id: 'random-yolov8' } });
  });

  it('refuses a card that is not a card', async () => {
    const { onnx } = fixture('random-yolov8');
    await expect(addModel(onnx, join(FIXTURES, 'make_random_models.py'), { modelsDir })).rejects.toMatchObject({ code: 'invalid_model_card' });
  });

  it('refuses a model that would read its weights outside its folder (onnxruntime checks the path), writing nothing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vigie-external-'));
    const { onnx, card } = fixture('random-density-external');
    // the same length, so the protobuf stays valid: "model.onnx.data" → "../model.o.data"
    const bytes = readFileSync(onnx);
    const at = bytes.indexOf('model.onnx.data');
    expect(at).toBeGreaterThan(0);
    bytes.write('../model.o.data', at);
    writeFileSync(join(tmp, 'model.onnx'), bytes);
    const raw = JSON.parse(readFileSync(card, 'utf8'));
    writeFileSync(join(tmp, 'model.json'), JSON.stringify({ ...raw, id: 'outside', sha256: undefined }));
    await expect(addModel(join(tmp, 'model.onnx'), join(tmp, 'model.json'), { modelsDir })).rejects.toMatchObject({ code: 'model_card_mismatch' });
    expect(existsSync(join(modelsDir, 'outside'))).toBe(false);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('lists what was added', async () => {
    expect((await listModelFolders(modelsDir)).map((f) => f.card.id)).toEqual(['random-density-external', 'random-yolov8', 'random-yolox']);
  });
});

describe('shipped model cards', () => {
  it.each(['dumps-detector', 'landcover-segmenter', 'crowd-counter'])('%s: valid card, measured metrics, file under 20 MB matching its checksum', async (id) => {
    const folder = await readModelFolder(join(SHIPPED, id));
    const raw = JSON.parse(readFileSync(join(SHIPPED, id, 'model.json'), 'utf8'));
    expect(parseModelCard(raw).id).toBe(id);
    expect(folder.card.training?.seed).toBeTypeOf('number');
    expect(folder.card.metrics?.command).toMatch(/vigie models eval/);
    expect(readFileSync(folder.onnxPath).length).toBeLessThan(20e6);
    expect(await sha256File(folder.onnxPath)).toBe(folder.card.sha256);
  });

  it('landcover classes carry their OCS GE code and artificialised flag from data/landcover-classes.json', async () => {
    const classes = JSON.parse(readFileSync(resolve(SHIPPED, '../data/landcover-classes.json'), 'utf8')) as { key: string; ocsge: string; artificialised: boolean }[];
    const { card } = await readModelFolder(join(SHIPPED, 'landcover-segmenter'));
    expect(card.classes.map((c) => [c.name, c.category, c.artificialised])).toEqual(classes.map((c) => [c.key, c.ocsge, c.artificialised]));
  });
});
