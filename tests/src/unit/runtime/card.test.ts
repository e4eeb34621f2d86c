import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VigieError } from '@vigie/api/errors';
import { loadModelCard, parseModelCard } from '@vigie/workers/runtime';
import { card } from './helpers';

function refusal(fn: () => unknown): VigieError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VigieError);
    return error as VigieError;
  }
  throw new Error('expected a refusal');
}

describe('model card', () => {
  it('fills defaults and expands channel shorthands', () => {
    const c = card();
    expect(c.input.channelOrder).toEqual(['R', 'G', 'B']);
    expect(c.input.scale).toBeCloseTo(1 / 255, 12);
    expect(c.input.mean).toEqual([0, 0, 0]);
    expect(c.input.std).toEqual([1, 1, 1]);
    expect(c.input.padValue).toBe(114);
    expect(c.output.strides).toEqual([8, 16, 32]);
    expect(c.output.decodeInGraph).toBe(false);
    expect(c.thresholds).toEqual({ score: 0.25, iou: 0.45 });
    expect(c.file).toBe('model.onnx');
    expect(card({}, { channelOrder: 'BGR' }).input.channelOrder).toEqual(['B', 'G', 'R']);
  });

  it('accepts extra bands such as NIR', () => {
    const c = card({}, { channels: 4, channelOrder: ['R', 'G', 'B', 'NIR'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });
    expect(c.input.channelOrder).toEqual(['R', 'G', 'B', 'NIR']);
  });

  it('refuses channel counts that disagree with the band list, mean or std', () => {
    const e = refusal(() => card({}, { channels: 4 }));
    expect(e.code).toBe('invalid_model_card');
    expect(e.message).toMatch(/channelOrder/);
    expect(refusal(() => card({}, { mean: [0, 0] })).message).toMatch(/input\.mean : 2 valeurs pour 3 canaux/);
  });

  it('refuses an output format that does not fit the task', () => {
    const e = refusal(() => card({ task: 'segmentation' }));
    expect(e.message).toMatch(/output\.format/);
    expect(e.message).toMatch(/segmentation-logits/);
  });

  it('takes mirrored passes for segmentation and density maps only, none by default', () => {
    const segmentation = { task: 'segmentation' as const, output: { name: 'logits', format: 'segmentation-logits' as const } };
    const counting = { task: 'counting' as const, output: { name: 'density', format: 'density-map' as const } };
    expect(card(segmentation).runtime).toBeUndefined();
    expect(card({ ...segmentation, runtime: { flips: 'both' } }).runtime?.flips).toBe('both');
    expect(card({ ...counting, runtime: { flips: 'horizontal' } }).runtime?.flips).toBe('horizontal');
    expect(card({ runtime: { sessions: 1 } }).runtime?.flips).toBe('none');
    expect(refusal(() => card({ runtime: { flips: 'horizontal' } })).message).toMatch(/runtime\.flips.*segmentation-logits ou density-map/);
    expect(refusal(() => card({ ...segmentation, runtime: { flips: 'diagonal' as 'both' } })).code).toBe('invalid_model_card');
  });

  it('refuses class ids out of output order, unknown bands and unknown formats', () => {
    expect(refusal(() => card({ classes: [{ id: 1, name: 'a' }] })).message).toMatch(/classes\.0\.id/);
    expect(refusal(() => card({}, { channelOrder: ['R', 'G', 'X' as 'B'] })).code).toBe('invalid_model_card');
    expect(refusal(() => card({ output: { name: 'o', format: 'ssd' as 'yolov8' } })).code).toBe('invalid_model_card');
    expect(refusal(() => parseModelCard(null)).code).toBe('invalid_model_card');
  });

  it('keeps measured metrics as written, and reads the size of the set they were measured on', () => {
    const metrics = { measuredAt: '2026-12-05', command: 'pnpm vigie models eval x --count 480', testSet: { count: 480, seed: 42 }, results: { maePeople: 1 } };
    expect(card({ metrics }).metrics).toEqual(metrics);
    expect(card({ metrics }).metrics?.testSet?.count).toBe(480);
    expect(refusal(() => card({ metrics: { ...metrics, testSet: { count: 0 } } })).message).toMatch(/metrics\.testSet\.count/);
  });

  it('loads from a folder and names the file in its errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-card-'));
    await expect(loadModelCard(dir)).rejects.toMatchObject({ code: 'model_card_not_found' });
    await writeFile(join(dir, 'model.json'), '{ not json');
    await expect(loadModelCard(dir)).rejects.toMatchObject({ code: 'invalid_model_card' });
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...card(), input: { ...card().input, scale: 1 } }));
    expect((await loadModelCard(dir)).id).toBe('test-model');
  });
});
