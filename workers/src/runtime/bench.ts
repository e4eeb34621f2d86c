import ort from 'onnxruntime-node';
import { openBareSession } from './bare-session';
import { runTask, type LoadedModel, type ModelImage } from './model';
import { preprocess } from './preprocess';
import type { RasterImage } from './raster';

export interface PathOverhead {
  /** median ms of bare `session.run` on already-prepared tensors, in this thread, same thread options */
  bareMs: number;
  /** runs of the model per image on Vigie's path: 1, or 2 or 4 with the card's mirrored passes (segmentation) */
  passes: number;
  /** median ms of Vigie's path on the same images: preprocess + run + decode (+ NMS) */
  wholeMs: number;
  /** wholeMs / (bareMs × passes): the cost of Vigie's path around the model's runs, one image at a time (its passes share the pool) */
  ratio: number;
  /**
   * ms per image when the path keeps every session busy (pool size + 1 images in flight: the next
   * image is prepared while the sessions run), as a pipeline over chips does
   */
  pipelinedMs: number;
  /** pipelinedMs against bare runs scaled perfectly over the pool's sessions: bareMs × passes / sessions */
  pipelinedRatio: number;
  /**
   * ms per image of bare runs (prepared tensors, the card's passes) with every session of the pool busy: what the
   * machine gives, where two sessions on two cores seldom run twice as fast as one (shared caches and memory)
   */
  bareBusyMs: number;
  /** pipelinedMs / bareBusyMs: the cost of Vigie's path when both sides keep every session busy */
  pipelinedBusyRatio: number;
  /** images per second through the whole path, pipelined */
  imagesPerSecond: number;
}

/**
 * Vigie's per-image path (through the session pool's worker threads) against bare `session.run`
 * on the same tensors, one image at a time, measured in the same run and
 * interleaved image by image so that load from other processes hits both sides alike. Medians, not
 * means: one GC pause or noisy neighbour should not move the ratio.
 */
export async function measurePathOverhead(model: LoadedModel, images: readonly RasterImage[], repetitions = 30): Promise<PathOverhead> {
  const { card, pool } = model;
  const session = await openBareSession(pool.onnxPath, pool.intraOpNumThreads);
  const bareRun = (k: number) => session.run({ [card.input.name]: tensors[k]! });
  const tensors = await Promise.all(images.map(async (image) => (await preprocess(card, image)).tensor));
  const whole = (image: ModelImage) => runTask(model, image);
  for (let i = 0; i < Math.min(3, images.length); i++) {
    await bareRun(i);
    await whole(images[i]!);
  }
  const bare: number[] = [];
  const path: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const k = i % images.length;
    let start = performance.now();
    await bareRun(k);
    bare.push(performance.now() - start);
    start = performance.now();
    await whole(images[k]!);
    path.push(performance.now() - start);
  }
  await session.release();

  let next = 0;
  const started = performance.now();
  const lane = async () => {
    for (let i = next++; i < repetitions; i = next++) await whole(images[i % images.length]!);
  };
  await Promise.all(Array.from({ length: pool.size + 1 }, lane));
  const pipelinedMs = (performance.now() - started) / repetitions;

  // bare runs through the same sessions, every one busy: each lane hands its input buffer on to its next run. The
  // float tensors go to the model file as it is (`plain`), which a pool that feeds bytes opens at its first such run:
  // one run per session first, untimed.
  const plain = { plain: true };
  await Promise.all(Array.from({ length: pool.size }, () => pool.run({ [card.input.name]: tensors[0]! }, plain)));
  let runsLeft = repetitions * model.passes;
  const busyStarted = performance.now();
  const busyLane = async (k: number) => {
    const source = tensors[k % tensors.length]!;
    let feed: ort.Tensor = new ort.Tensor('float32', (source.data as Float32Array).slice(), source.dims);
    while (runsLeft-- > 0) feed = (await pool.runTransferring({ [card.input.name]: feed }, plain)).inputs[card.input.name]!;
  };
  await Promise.all(Array.from({ length: pool.size }, (_, k) => busyLane(k)));
  const bareBusyMs = (performance.now() - busyStarted) / repetitions;

  const bareMs = median(bare);
  const wholeMs = median(path);
  return {
    bareMs,
    passes: model.passes,
    wholeMs,
    ratio: wholeMs / (bareMs * model.passes),
    pipelinedMs,
    pipelinedRatio: pipelinedMs / ((bareMs * model.passes) / pool.size),
    bareBusyMs,
    pipelinedBusyRatio: pipelinedMs / bareBusyMs,
    imagesPerSecond: 1000 / pipelinedMs,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
