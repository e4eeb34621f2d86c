import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTrainingSet } from '@vigie/data';
import {
  addMirrored,
  decodeSegmentationLogits,
  loadModel,
  letterboxTransform,
  loadModelCard,
  mirroredInputs,
  mirrorsOf,
  openBareSession,
  pixelGraph,
  preprocess,
  rasterFromEncoded,
  type Flips,
  type LoadedModel,
  type ModelCard,
  type RasterImage,
} from '@vigie/workers/runtime';
import { texture } from '../../support/texture';

const fixtures = fileURLToPath(new URL('../../../fixtures/models/', import.meta.url));
const shipped = fileURLToPath(new URL('../../../../models/', import.meta.url));

const open: LoadedModel[] = [];
afterAll(async () => {
  await Promise.all(open.map((m) => m.close()));
});

/** The model's output through onnxruntime on the file itself, fed the float tensor made in JavaScript, with the card's mirrored passes. */
async function reference(dir: string, card: ModelCard, image: RasterImage, flips: Flips) {
  const session = await openBareSession(join(dir, card.file), 1);
  try {
    const { tensor } = await preprocess(card, image);
    const outputs = [];
    for (const t of [tensor, ...mirroredInputs(tensor, mirrorsOf(flips))]) outputs.push((await session.run({ [card.input.name]: t }))[card.output.name]!);
    const sum = outputs[0]!.data as Float32Array;
    const [, planes, h, w] = outputs[0]!.dims as number[];
    outputs.slice(1).forEach((o, k) => addMirrored(sum, o.data as Float32Array, planes!, h!, w!, mirrorsOf(flips)[k]!));
    // densities are averaged over the passes, logits summed
    return card.output.format === 'density-map' ? sum.map((v) => v / outputs.length) : sum;
  } finally {
    await session.release();
  }
}

function expectClose(actual: Float32Array, expected: Float32Array) {
  expect(actual.length).toBe(expected.length);
  expect(expected.some((v) => v !== 0)).toBe(true); // something to compare
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(worst / scale).toBeLessThan(1e-4);
}

describe('models fed 8-bit pixels, normalised inside their graph', () => {
  const fixtureCases = [
    ['random-yolov8 (centred letterbox)', 'random-yolov8', ['R', 'G', 'B']],
    ['random-yolox (BGR, top-left letterbox, not normalised)', 'random-yolox', ['R', 'G', 'B']],
    ['random-segmentation-nir (4 bands, own mean and std)', 'random-segmentation-nir', ['NIR', 'R', 'G', 'B', 'B']],
    ['random-density', 'random-density', ['R', 'G', 'B']],
    ['random-segmentation-opset11 (opset 11: no DequantizeLinear per channel)', 'random-segmentation-opset11', ['R', 'G', 'B', 'NIR']],
  ] as const;

  it.each(fixtureCases)('%s: same output as the float tensor made in JavaScript, bands picked and image resized', async (_, id, bands) => {
    const dir = join(fixtures, id);
    const model = await loadModel(dir, { sessions: 1, flips: 'none' });
    open.push(model);
    expect(model.pixelInput).toBe(true);
    const { card } = model;
    const image = texture(card.input.width + 13, card.input.height - 7, bands);
    const { output } = await model.infer(image);
    expectClose(output.data as Float32Array, await reference(dir, card, image, 'none'));
  });

  it.each([
    ['dumps-detector', 'dumps'],
    ['landcover-segmenter', 'landcover'],
    ['crowd-counter', 'crowd'],
  ] as const)('shipped %s on a generated image: same output from bytes as from the float tensor', async (id, task) => {
    const dir = join(shipped, id);
    const model = await loadModel(dir, { sessions: 1, flips: 'none' });
    open.push(model);
    expect(model.pixelInput).toBe(true);
    const generated = mkdtempSync(join(tmpdir(), 'vigie-pixel-graph-'));
    try {
      const meta = await generateTrainingSet({ task, split: 'test', count: 1, outDir: generated, seed: 11 });
      const image = await rasterFromEncoded(await readFile(join(generated, meta.chips[0]!.image)));
      const { output } = await model.infer(image);
      expectClose(output.data as Float32Array, await reference(dir, model.card, image, 'none'));
    } finally {
      rmSync(generated, { recursive: true, force: true });
    }
  });

  it.each([
    ['random-segmentation-nir', 'both', ['R', 'G', 'B', 'NIR']],
    ['random-density', 'horizontal', ['R', 'G', 'B']],
  ] as const)('%s, %s mirrored passes: run in the graph for bytes, one run each for a 16-bit image, same output', async (id, flips, bands) => {
    const dir = join(fixtures, id);
    const model = await loadModel(dir, { sessions: 2, flips });
    open.push(model);
    expect(model.passes).toBe(flips === 'both' ? 4 : 2);
    expect(model.passesInGraph).toBe(true);
    const bytes = texture(40, 30, bands);
    expectClose((await model.infer(bytes)).output.data as Float32Array, await reference(dir, model.card, bytes, flips));
    const deep = texture(40, 30, bands, 16);
    expectClose((await model.infer(deep)).output.data as Float32Array, await reference(dir, model.card, deep, flips));
    // and back to bytes: the pool serves both kinds of run in turn
    expectClose((await model.infer(bytes)).output.data as Float32Array, await reference(dir, model.card, bytes, flips));
  });

  it('a graph with a second output: bytes normalised inside, the passes mirrored as pixels and run one by one', async () => {
    const dir = join(fixtures, 'random-segmentation-two-outputs');
    const model = await loadModel(dir, { sessions: 2, flips: 'both' });
    open.push(model);
    expect([model.pixelInput, model.passesInGraph]).toEqual([true, false]);
    const bytes = texture(40, 30, ['R', 'G', 'B', 'NIR']);
    expectClose((await model.infer(bytes)).output.data as Float32Array, await reference(dir, model.card, bytes, 'both'));
  });

  it('the shipped land cover model with its four passes and the argmax in one run: the logits of four runs summed, the same classes', async () => {
    const dir = join(shipped, 'landcover-segmenter');
    const model = await loadModel(dir, { sessions: 1 });
    open.push(model);
    expect([model.passes, model.passesInGraph]).toEqual([4, true]);
    const image = texture(600, 450, ['R', 'G', 'B']);
    const { output, argmax } = await model.infer(image);
    const logits = await reference(dir, model.card, image, 'both');
    expectClose(output.data as Float32Array, logits);
    expect(argmax).toHaveLength(256 * 256);
    // each source pixel's class, from the graph's argmax and from JavaScript's on the reference logits
    const { card } = model;
    const transform = letterboxTransform(card, 600, 450);
    const expected = decodeSegmentationLogits({ data: logits, dims: output.dims }, { inputWidth: 512, inputHeight: 512, transform });
    const map = await model.segment(image);
    expect([map.width, map.height]).toEqual([600, 450]);
    const differing = map.classes.filter((c, i) => c !== expected.classes[i]).length;
    expect(differing / map.classes.length).toBeLessThan(1e-3); // near-ties of sums added in another order
    // a 16-bit image: one run per pass, the argmax left to the decoder
    expect((await model.infer(texture(64, 64, ['R', 'G', 'B'], 16))).argmax).toBeUndefined();
  });

  it('normalises in as few nodes as the opset allows, leaving out what changes nothing', async () => {
    const steps = async (id: string, input: Partial<ModelCard['input']> = {}) => {
      const dir = join(fixtures, id);
      const card = await loadModelCard(dir);
      const rewrite = pixelGraph(new Uint8Array(await readFile(join(dir, card.file))), { ...card, input: { ...card.input, ...input } }) as { bytes: Uint8Array };
      const text = Buffer.from(rewrite.bytes);
      return ['transpose', 'dequantizelinear', 'cast', 'mul', 'add'].filter((op) => text.includes(`vigie.${op}`));
    };
    // opset 13 and later: the cast and the multiply in one node (YOLOX's raw 0–255 values with a scale of 1)
    expect(await steps('random-yolox')).toEqual(['transpose', 'dequantizelinear']);
    expect(await steps('random-yolov8')).toEqual(['transpose', 'dequantizelinear']);
    expect(await steps('random-segmentation-nir')).toEqual(['transpose', 'dequantizelinear', 'add']);
    // before: a cast, then a multiply and an add where they change the values
    expect(await steps('random-segmentation-opset11')).toEqual(['transpose', 'cast', 'mul', 'add']);
    expect(await steps('random-segmentation-opset11', { scale: 1, mean: [0, 0, 0, 0], std: [1, 1, 1, 1] })).toEqual(['transpose', 'cast']);
  });

  it('runs as it is a model whose weights lie beside it (ONNX external data), which a graph loaded from memory could not find', async () => {
    const dir = join(fixtures, 'random-density-external');
    const model = await loadModel(dir, { sessions: 1 });
    open.push(model);
    expect(model.pixelInput).toEqual({ unchanged: expect.stringMatching(/données externes/) });
    const image = texture(50, 40, ['R', 'G', 'B']);
    expectClose((await model.infer(image)).output.data as Float32Array, await reference(join(fixtures, 'random-density'), model.card, image, 'none'));
  });

  it('leaves as it is a graph it cannot rewrite safely, saying why, and the model still runs', async () => {
    const dir = join(fixtures, 'random-yolov8');
    const card = await loadModelCard(dir);
    const file = new Uint8Array(await readFile(join(dir, card.file)));
    const rewritten = pixelGraph(file, card);
    expect(rewritten).toMatchObject({ input: { name: 'images', type: 'float32', shape: [1, 3, 64, 64] }, mirrored: false });
    expect(pixelGraph((rewritten as { bytes: Uint8Array }).bytes, card)).toEqual({ unchanged: expect.stringMatching(/vigie\./) });
    expect(pixelGraph(file, { ...card, input: { ...card.input, padValue: 300 } })).toEqual({ unchanged: expect.stringMatching(/octet/) });
    expect(pixelGraph(file, { ...card, input: { ...card.input, channels: 4 } })).toEqual({ unchanged: expect.stringMatching(/float32 \[1, 4, 64, 64\]/) });
    expect(pixelGraph(file, { ...card, input: { ...card.input, name: 'x' } })).toEqual({ unchanged: expect.stringMatching(/« x »/) });
    expect(pixelGraph(new TextEncoder().encode('not a model'), card)).toHaveProperty('unchanged');
  });
});
