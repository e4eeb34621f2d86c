import { join } from 'node:path';
import type ort from 'onnxruntime-node';
import { VigieError } from '@vigie/api/errors';
import { logger } from '@vigie/api/logger';
import { loadModelCard, MIRRORABLE, readModelFile, sha256Of, type Flips, type ModelCard, type Task } from './card';
import type { Detection, OutputTensor } from './detection';
import { decodeDensityMap, type DensityResult } from './decoders/density-map';
import { decodeSegmentationLogits, type ClassMap } from './decoders/segmentation-logits';
import { decodeYolov8 } from './decoders/yolov8';
import { decodeYolox } from './decoders/yolox';
import { addMirrored, mirroredInputs, mirrorsOf } from './flips';
import { cardMismatchError, compareSignatureWithCard, sessionSignature } from './inspect';
import { nms } from './nms';
import { CLASS_OUTPUT, PIXEL_INPUT, pixelGraph } from './pixel-graph';
import { pixelInput, preprocess, type LetterboxTransform } from './preprocess';
import { rasterFromEncoded, type RasterImage } from './raster';
import { SessionPool, type Outputs, type SessionPoolOptions } from './session-pool';

/** A decoded raster, or an encoded image (JPEG, PNG…) that sharp decodes to RGB. */
export type ModelImage = RasterImage | Buffer | Uint8Array;

export interface DetectOptions {
  scoreThreshold?: number;
  iouThreshold?: number;
  maxDetections?: number;
}

export interface CountResult {
  /** per card class, in card order */
  counts: { classId: number; name: string; count: number }[];
  total: number;
  /** the density map for density models, at output resolution */
  density?: DensityResult;
}

export interface LoadedModel {
  card: ModelCard;
  pool: SessionPool;
  /** runs of the model per image: 1, or 2 or 4 with mirrored passes (`runtime.flips` of a segmentation or density card) */
  passes: number;
  /** 8-bit images go in as bytes, normalised inside the graph (pixel-graph.ts); otherwise, or when not, why not */
  pixelInput: true | { unchanged: string };
  /** the mirrored passes of an 8-bit image run inside the graph, in one run (otherwise one run each, summed here) */
  passesInGraph: boolean;
  /** boxes in source-image pixels, NMS applied */
  detect(image: ModelImage, options?: DetectOptions): Promise<Detection[]>;
  /** class map at source-image resolution */
  segment(image: ModelImage): Promise<ClassMap>;
  count(image: ModelImage, options?: DetectOptions): Promise<CountResult>;
  /**
   * preprocess + run only: the raw output tensor (logits summed, densities averaged over the card's mirrored passes),
   * the transform, and for segmentation the argmax per output cell when the graph computed it
   */
  infer(image: ModelImage): Promise<{ output: OutputTensor; transform: LetterboxTransform; argmax?: Uint8Array }>;
  close(): Promise<void>;
}

export interface LoadModelOptions extends SessionPoolOptions {
  /** skip the SHA-256 check of the file against the card (e.g. while training writes it) */
  skipChecksum?: boolean;
  /** mirrored passes of a segmentation or density model, instead of the card's `runtime.flips` (e.g. to measure them) */
  flips?: Flips;
}

/**
 * Loads `dir/model.json` and its ONNX file into a session pool, after checking the graph against the
 * card. Everything after — preprocessing, decoding, thresholds — comes from the card.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const card = await loadModelCard(dir);
  const onnxPath = join(dir, card.file);
  // read once: hashed here, rewritten below
  const file = await readModelFile(onnxPath);
  if (card.sha256 && !options.skipChecksum) {
    const sha = sha256Of(file);
    if (sha !== card.sha256) {
      throw new VigieError('model_checksum_mismatch', `Le fichier ${onnxPath} ne correspond pas à l'empreinte de sa carte (modèle modifié ou corrompu).`, 422);
    }
  }
  // Caller's options first (a worker's config), then the card's, then one session per core.
  const poolOptions = {
    sessions: options.sessions ?? card.runtime?.sessions,
    intraOpNumThreads: options.intraOpNumThreads ?? card.runtime?.intraOpNumThreads,
  };
  const flips = options.flips ?? card.runtime?.flips ?? 'none';
  let rewrite = pixelGraph(file, card, mirrorsFor(card, flips));
  let pool: SessionPool;
  try {
    pool = await SessionPool.create(onnxPath, { ...poolOptions, graph: 'bytes' in rewrite ? rewrite.bytes : undefined });
  } catch (error) {
    if (!('bytes' in rewrite)) throw error;
    // onnxruntime refused the rewrite, not necessarily the file: the model runs as it is, and the log says why
    rewrite = { unchanged: `graphe réécrit refusé par onnxruntime (${(error as Error).message})` };
    logger.warn({ model: card.id, reason: rewrite.unchanged }, 'model runs on float tensors prepared in JavaScript');
    pool = await SessionPool.create(onnxPath, poolOptions);
  }
  const { inputs, outputs } = sessionSignature(pool.metadata);
  // the card speaks of the model's own input, which the rewrite computes from the pixels
  const declared = 'bytes' in rewrite ? inputs.map((i) => (i.name === PIXEL_INPUT ? rewrite.input : i)) : inputs;
  const problems = compareSignatureWithCard(declared, outputs.filter((o) => o.name !== CLASS_OUTPUT), card);
  if (problems.length > 0) {
    await pool.close();
    throw cardMismatchError(card, problems);
  }
  return modelFromPool(card, pool, flips, 'bytes' in rewrite ? { pixels: true, passesInGraph: rewrite.mirrored } : { pixels: rewrite, passesInGraph: false });
}

/** The mirrored passes besides the image itself: only for outputs laid out like the image (logits, density). */
const mirrorsFor = (card: ModelCard, flips: Flips) => (MIRRORABLE.includes(card.output.format) ? mirrorsOf(flips) : []);

/** The model's operations over its loaded pool; `pixels` and `passesInGraph` say what the pool's graph does. */
function modelFromPool(
  card: ModelCard,
  pool: SessionPool,
  flips: Flips,
  { pixels, passesInGraph }: Pick<LoadedModel, 'passesInGraph'> & { pixels: LoadedModel['pixelInput'] },
): LoadedModel {
  const mirrors = mirrorsFor(card, flips);
  // Input buffers go back here once their run is over, so steady-state inference allocates none.
  const spareFloats: Float32Array[] = [];
  const spareBytes: Uint8Array[] = [];
  const spareLimit = (pool.size + 1) * (1 + mirrors.length);
  const run = async (tensor: ort.Tensor) => {
    const name = tensor.type === 'uint8' ? PIXEL_INPUT : card.input.name;
    const { outputs, inputs } = await pool.runTransferring({ [name]: tensor }, { plain: name !== PIXEL_INPUT });
    const spare = inputs[name]?.data;
    if (spare instanceof Float32Array && spareFloats.length < spareLimit) spareFloats.push(spare);
    if (spare instanceof Uint8Array && spareBytes.length < spareLimit) spareBytes.push(spare);
    const argmax = outputs[CLASS_OUTPUT]?.data;
    return { output: outputTensor(card, outputs), argmax: argmax instanceof Uint8Array ? argmax : undefined };
  };
  const infer = async (image: ModelImage) => {
    const raster = isRaster(image) ? image : await rasterFromEncoded(image);
    // 8-bit pixels as they are when the graph normalises them, float tensors otherwise
    const bytes = pixels === true && raster.data instanceof Uint8Array;
    const { tensor, transform } = bytes
      ? await pixelInput(card, raster as RasterImage & { data: Uint8Array }, spareBytes.pop())
      : await preprocess(card, raster, spareFloats.pop());
    let output: OutputTensor;
    let argmax: Uint8Array | undefined;
    if (mirrors.length === 0 || (bytes && passesInGraph)) {
      ({ output, argmax } = await run(tensor));
    } else {
      // one run per pass, sharing the pool's sessions, their outputs summed here
      const spare = () => (bytes ? spareBytes.pop() : spareFloats.pop());
      const [own, ...others] = (await Promise.all([tensor, ...mirroredInputs(tensor, mirrors, spare)].map(run))).map((r) => r.output);
      const [, classes, outHeight, outWidth] = own!.dims as [number, number, number, number];
      others.forEach((o, k) => addMirrored(own!.data, o.data, classes, outHeight, outWidth, mirrors[k]!));
      output = own!;
    }
    // a density map's counts are its sums: the passes' mean keeps them
    if (card.output.format === 'density-map' && mirrors.length > 0) for (let i = 0; i < output.data.length; i++) output.data[i]! /= 1 + mirrors.length;
    return { output, transform, argmax };
  };

  const detect = async (image: ModelImage, options: DetectOptions = {}): Promise<Detection[]> => {
    requireFormat(card, ['yolov8', 'yolox'], 'détecter des objets');
    const { output, transform } = await infer(image);
    const scoreThreshold = options.scoreThreshold ?? card.thresholds.score;
    const common = { numClasses: card.classes.length, scoreThreshold, transform, maxCandidates: 30_000 };
    const candidates =
      card.output.format === 'yolov8'
        ? decodeYolov8(output, common)
        : decodeYolox(output, {
            ...common,
            decodeInGraph: card.output.decodeInGraph,
            strides: card.output.strides,
            inputWidth: card.input.width,
            inputHeight: card.input.height,
          });
    return nms(candidates, options.iouThreshold ?? card.thresholds.iou, options.maxDetections ?? 300);
  };

  return {
    card,
    pool,
    passes: 1 + mirrors.length,
    pixelInput: pixels,
    passesInGraph,
    infer,
    detect,
    async segment(image) {
      requireFormat(card, ['segmentation-logits'], 'segmenter une image');
      const { output, transform, argmax } = await infer(image);
      return decodeSegmentationLogits(output, { inputWidth: card.input.width, inputHeight: card.input.height, transform, argmax });
    },
    async count(image, options) {
      if (card.output.format === 'density-map') {
        const { output } = await infer(image);
        const density = decodeDensityMap(output);
        const counts = card.classes.map((c) => ({ classId: c.id, name: c.name, count: density.counts[c.id] ?? 0 }));
        return { counts, total: density.total, density };
      }
      requireFormat(card, ['yolov8', 'yolox', 'density-map'], 'compter');
      const detections = await detect(image, options);
      const counts = card.classes.map((c) => ({ classId: c.id, name: c.name, count: detections.filter((d) => d.classId === c.id).length }));
      return { counts, total: detections.length };
    },
    close: () => pool.close(),
  };
}

/** What the card's task does with an image: boxes, a class map or counts (benchmarks run any model this way). */
export function runTask(model: LoadedModel, image: ModelImage): Promise<Detection[] | ClassMap | CountResult> {
  switch (model.card.task) {
    case 'detection':
      return model.detect(image);
    case 'segmentation':
      return model.segment(image);
    case 'counting':
      return model.count(image);
  }
}

function isRaster(image: ModelImage): image is RasterImage {
  return !(image instanceof Uint8Array) && 'bands' in image;
}

function requireFormat(card: ModelCard, formats: readonly ModelCard['output']['format'][], what: string): void {
  if (!formats.includes(card.output.format)) {
    const task: Task = card.task;
    throw new VigieError('model_task_mismatch', `Le modèle « ${card.id} » (${task}, sortie ${card.output.format}) ne sait pas ${what}.`);
  }
}

function outputTensor(card: ModelCard, outputs: Outputs): OutputTensor {
  const tensor = outputs[card.output.name];
  if (!tensor || tensor.type !== 'float32') {
    throw new VigieError('model_output_missing', `Le modèle « ${card.id} » n'a pas rendu la sortie float32 « ${card.output.name} ».`, 500);
  }
  return { data: tensor.data as Float32Array, dims: tensor.dims };
}
