/**
 * Models benchmark: each shipped model on this machine, through Vigie's whole per-image path (read the
 * window from a tiled TIFF for aerial chips, decode the JPEG for camera frames; preprocess; run through
 * the session pool; decode), against bare `session.run` on the same, already prepared tensors, measured
 * in the same run and interleaved image by image so that other load hits both sides alike.
 *
 *   pnpm exec tsx tests/bench/models.ts [--reps 40]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromFile } from 'geotiff';
import sharp from 'sharp';
import { generateTrainingSet, type TrainingTask } from '@vigie/data';
import { listModelFolders, type ModelFolder } from '@vigie/workers/models';
import { loadModel, mirroredInputs, mirrorsOf, openBareSession, preprocess, runTask, rasterFromEncoded, rasterFromGeoTiff, type Flips, type RasterImage } from '@vigie/workers/runtime';

const MODELS = resolve(import.meta.dirname, '../../models');
const TASK_SET: Record<string, TrainingTask> = { detection: 'dumps', segmentation: 'landcover', counting: 'crowd' };
const IMAGES = 4;

export interface ModelBenchRow {
  model: string;
  task: string;
  input: string;
  sizeMB: number;
  sessions: string;
  /** what crosses to the sessions: 8-bit pixels normalised inside the graph, or float tensors made in JavaScript */
  feed: string;
  /** runs of the model per image: 1, or the card's mirrored passes */
  passes: number;
  /** median ms of bare session.run on prepared tensors, once per pass, one after the other */
  bareMs: number;
  /** median ms of the whole path, one image at a time */
  wholeMs: number;
  /** median ms of reading the window (TIFF) or decoding the frame (JPEG), inside wholeMs */
  readMs: number;
  /** median over the images of whole path / bare runs, measured one after the other (goal ≤ 1.15) */
  ratio: number;
  /** first and third quartiles of those ratios: how much the machine's noise moves them */
  ratioQuartiles: [number, number];
  /** images per second through the whole path with every session busy */
  imagesPerSecond: number;
  unit: string;
}

/** A source of images the way the pipelines get them: windows of a raster, or encoded frames. */
interface ImageSource {
  read(k: number): Promise<RasterImage>;
  close(): Promise<void>;
}

async function aerialSource(dir: string, files: string[]): Promise<ImageSource> {
  // The chips side by side in one tiled TIFF, read back window by window as the pipelines read orthophotos.
  const tiles = await Promise.all(files.map((f) => sharp(join(dir, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  const { width, height } = tiles[0]!.info;
  const mosaic = join(dir, 'mosaic.tif');
  const rowBytes = width * 3;
  const pixels = Buffer.alloc(rowBytes * tiles.length * height);
  tiles.forEach((t, i) => {
    for (let y = 0; y < height; y++) t.data.copy(pixels, (y * tiles.length + i) * rowBytes, y * rowBytes, (y + 1) * rowBytes);
  });
  await sharp(pixels, { raw: { width: width * tiles.length, height, channels: 3 } })
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'deflate' })
    .toFile(mosaic);
  const tiff = await fromFile(mosaic);
  const image = await tiff.getImage();
  return {
    read: (k) => rasterFromGeoTiff(image, { x: (k % tiles.length) * width, y: 0, width, height }),
    close: async () => {
      tiff.close();
    },
  };
}

function frameSource(dir: string, files: string[]): ImageSource {
  const frames = files.map((f) => readFileSync(join(dir, f)));
  return { read: (k) => rasterFromEncoded(frames[k % frames.length]!), close: async () => undefined };
}

export async function benchModels(opts: { reps?: number } = {}): Promise<ModelBenchRow[]> {
  const reps = opts.reps ?? 40;
  const work = mkdtempSync(join(tmpdir(), 'vigie-bench-models-'));
  const rows: ModelBenchRow[] = [];
  try {
    for (const folder of await listModelFolders(MODELS)) {
      const task = TASK_SET[folder.card.task]!;
      const dir = join(work, folder.card.id);
      const meta = await generateTrainingSet({ task, split: 'test', count: IMAGES, outDir: dir, seed: 11 });
      const files = meta.chips.map((c) => c.image);
      const source = task === 'crowd' ? frameSource(dir, files) : await aerialSource(dir, files);
      // one run per image first (the path around the model, the goal's measure), then the card's mirrored passes if any
      const flips = folder.card.runtime?.flips ?? 'none';
      try {
        for (const config of flips === 'none' ? (['none'] as const) : (['none', flips] as const)) {
          rows.push(await benchPath(folder, source, files.length, config, reps));
        }
      } finally {
        await source.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Vigie's path against bare runs of the same tensors (the image and, with mirrored passes, its mirrors), interleaved. */
async function benchPath(folder: ModelFolder, source: ImageSource, images: number, flips: Flips, reps: number): Promise<ModelBenchRow> {
  const model = await loadModel(folder.dir, { flips });
  const session = await openBareSession(folder.onnxPath, model.pool.intraOpNumThreads);
  try {
    const name = model.card.input.name;
    const rasters = await Promise.all(Array.from({ length: images }, (_, k) => source.read(k)));
    const passes = await Promise.all(
      rasters.map(async (r) => {
        const { tensor } = await preprocess(model.card, r);
        return [tensor, ...mirroredInputs(tensor, mirrorsOf(flips))];
      }),
    );
    const bareRun = async (k: number) => {
      for (const tensor of passes[k % passes.length]!) await session.run({ [name]: tensor });
    };
    const reads: number[] = [];
    const whole = async (k: number) => {
      const t = performance.now();
      const raster = await source.read(k);
      reads.push(performance.now() - t);
      return runTask(model, raster);
    };
    // long enough a warm-up that the TIFF reader and the decoders run compiled, and the sessions' memory is in place
    for (let k = 0; k < 8; k++) {
      await bareRun(k);
      await whole(k);
    }
    const bare: number[] = [];
    const path: number[] = [];
    for (let i = 0; i < reps; i++) {
      let t = performance.now();
      await bareRun(i);
      bare.push(performance.now() - t);
      t = performance.now();
      await whole(i);
      path.push(performance.now() - t);
    }
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      for (let i = next++; i < reps; i = next++) await whole(i);
    };
    await Promise.all(Array.from({ length: model.pool.size + 1 }, lane));
    const pipelinedMs = (performance.now() - started) / reps;
    const bareMs = median(bare);
    const wholeMs = median(path);
    // per pair of neighbouring measures: a slow spell of the machine hits both sides of a pair
    const ratios = path.map((ms, i) => ms / bare[i]!);
    return {
      model: model.passes > 1 ? `${folder.card.id} (${model.passes} passes${model.passesInGraph ? ' dans le graphe' : ''})` : folder.card.id,
      task: folder.card.task,
      input: `${folder.card.input.width}×${folder.card.input.height}`,
      sizeMB: round(readFileSync(folder.onnxPath).length / 1e6),
      sessions: `${model.pool.size}×${model.pool.intraOpNumThreads}`,
      feed: model.pixelInput === true ? 'octets' : 'float',
      passes: model.passes,
      bareMs: round(bareMs),
      wholeMs: round(wholeMs),
      readMs: round(median(reads)),
      ratio: round(median(ratios)),
      ratioQuartiles: [round(quantile(ratios, 0.25)), round(quantile(ratios, 0.75))],
      imagesPerSecond: round(1000 / pipelinedMs),
      unit: folder.card.task === 'counting' ? 'images caméra/s' : 'tuiles/s',
    };
  } finally {
    await session.release();
    await model.close();
  }
}

export function printModels(rows: readonly ModelBenchRow[]): void {
  console.log('\nModèles — chemin complet de Vigie (lecture + prétraitement + inférence + décodage) contre session.run nu, même exécution');
  console.table(
    Object.fromEntries(
      rows.map((r) => [
        r.model,
        {
          tâche: r.task,
          taille: r.input,
          Mo: r.sizeMB,
          'sessions×threads': r.sessions,
          'entrée': r.feed,
          passes: r.passes,
          'session.run nu (ms)': r.bareMs,
          'chemin complet (ms)': r.wholeMs,
          'dont lecture (ms)': r.readMs,
          ratio: r.ratio,
          'quartiles': `${r.ratioQuartiles[0]}–${r.ratioQuartiles[1]}`,
          débit: `${r.imagesPerSecond} ${r.unit}`,
        },
      ]),
    ),
  );
  console.log('Objectif : ratio ≤ 1,15 (médiane des rapports image par image, chemin et nu mesurés l’un après l’autre, avec leurs quartiles ; débit mesuré avec toutes les sessions occupées).');
  console.log('Le chemin fait plus que le nu : lecture et décodage, et en segmentation l’argmax des logits et la carte des classes à la résolution de l’image.');
  console.log('Entrée « octets » : les pixels 8 bits passent tels quels, la normalisation de la fiche est dans le graphe (pixel-graph.ts) ; le nu reçoit le tenseur float.');
  console.log(
    'Passes en miroir (runtime.flips de la fiche) : le nu les enchaîne sur une session ; le chemin de Vigie aussi, dans le graphe (une exécution pour les quatre) quand l’entrée est « octets », sinon il les répartit sur les sessions du pool.',
  );
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q + 0.5)] ?? NaN;
}

const median = (values: readonly number[]) => quantile(values, 0.5);

const round = (x: number) => Math.round(x * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--reps');
  printModels(await benchModels({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined }));
}
