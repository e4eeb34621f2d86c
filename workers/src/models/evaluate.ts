import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateTrainingSet, type TrainingMeta, type TrainingTask } from '@vigie/data';
import { VigieError } from '@vigie/api/errors';
import { classKinds } from '../affluence/counting';
import { iou, loadModel, sha256File, type Detection, type LoadedModel, type Task } from '../runtime';

/**
 * Held-out evaluation of a model through Vigie's own runtime (onnxruntime-node, the card's
 * preprocessing and decoder), on a test split of the generator's training sets. What a user sees
 * in the app is what is measured here, not what PyTorch saw.
 */

/** The generated set each task is measured on. */
export const EVALUATION_SET: Record<Task, TrainingTask> = { detection: 'dumps', segmentation: 'landcover', counting: 'crowd' };

/** Targets of the shipped baselines (issue 4); reported next to the figures, never used to pass or fail a run. */
export const TARGETS = {
  detection: { ap50: 0.85, falsePositivesPer10HardNegatives: 1 },
  segmentation: { miou: 0.8, iouBati: 0.85 },
  counting: { maePeople: 1, maeVehicles: 0.5, crowdBand: 0.1, crowdFrom: 40 },
} as const;

export interface TestSetInfo {
  generator: string;
  task: TrainingTask;
  split: string;
  seed: number;
  count: number;
  sceneSeedRange: [number, number];
}

export interface DetectionMetrics {
  ap50: number;
  /** at the card's score threshold */
  precision: number;
  recall: number;
  scoreThreshold: number;
  chips: number;
  dumps: number;
  hardNegativeChips: number;
  falsePositivesOnHardNegatives: number;
  falsePositivesPer10HardNegativeChips: number;
}

export interface SegmentationMetrics {
  chips: number;
  pixelAccuracy: number;
  /** mean IoU over the classes present in the test set (ground truth or prediction) */
  miou: number;
  /** IoU per class name; null when the class appears neither in the truth nor in the prediction */
  iou: Record<string, number | null>;
  /** IoU of the artificialised / not artificialised split, what ZAN figures rest on */
  iouArtificialised: number;
}

export interface CountingMetrics {
  frames: number;
  maePeople: number;
  maeVehicles: number;
  /** MAE of the rounded counts, as published */
  maePeopleRounded: number;
  maeVehiclesRounded: number;
  meanPeople: number;
  crowdFrames: number;
  /** share of frames with ≥ 40 people counted within ±10 % */
  crowdWithinBand: number;
  crowdMaxRelativeError: number;
}

export type TaskMetrics = DetectionMetrics | SegmentationMetrics | CountingMetrics;

export interface EvaluationReport {
  measuredAt: string;
  command: string;
  runtime: string;
  testSet: TestSetInfo;
  targets: (typeof TARGETS)[Task];
  targetsMet: boolean;
  msPerImage: number;
  results: TaskMetrics;
}

export interface EvaluateOptions {
  /** a generated test split (meta.json + images + labels); generated here when missing */
  dataDir: string;
  /** images to generate when `dataDir` has no meta.json */
  count?: number;
  seed?: number;
  /** the command line to record with the figures; the set's image count is appended, so that it regenerates the same set */
  command: string;
  onProgress?: (done: number, total: number, label: string) => void;
  /** each frame's counts as they are measured (counting only): two models compare better frame by frame than by their means */
  onFrame?: (frame: FrameCount) => void;
}

/** One frame of a counting evaluation: its scene, the labelled counts and the model's. */
export interface FrameCount {
  image: string;
  sceneSeed: number;
  people: number;
  vehicles: number;
  predictedPeople: number;
  predictedVehicles: number;
}

/** Evaluates `models/<id>/` (or any model folder) and returns the report; see writeMetrics to store it. */
export async function evaluateModel(modelDir: string, options: EvaluateOptions): Promise<EvaluationReport> {
  const model = await loadModel(modelDir);
  try {
    const task = EVALUATION_SET[model.card.task];
    const meta = await testSet(task, options);
    const started = performance.now();
    const results =
      model.card.task === 'detection'
        ? await evaluateDetection(model, meta, options)
        : model.card.task === 'segmentation'
          ? await evaluateSegmentation(model, meta, options)
          : await evaluateCounting(model, meta, options);
    const msPerImage = (performance.now() - started) / meta.chips.length;
    return {
      measuredAt: new Date().toISOString(),
      command: `${options.command} --count ${meta.count}`,
      runtime: runtimeLine(model),
      testSet: {
        generator: `@vigie/data generateTrainingSet${meta.generatorVersion ? ` v${meta.generatorVersion}` : ''}`,
        task,
        split: meta.split,
        seed: meta.seed,
        count: meta.count,
        sceneSeedRange: meta.sceneSeedRange,
      },
      targets: TARGETS[model.card.task],
      targetsMet: targetsMet(model.card.task, results),
      msPerImage: round(msPerImage, 1),
      results,
    };
  } finally {
    await model.close();
  }
}

/** Writes the report into `<dir>/model.json` as `metrics`, keeping every other field of the card as written. */
export async function writeMetrics(modelDir: string, report: EvaluationReport): Promise<void> {
  const path = join(modelDir, 'model.json');
  const card = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  card.metrics = report;
  card.sha256 = await sha256File(join(modelDir, typeof card.file === 'string' ? card.file : 'model.onnx'));
  await writeFile(path, JSON.stringify(card, null, 2) + '\n');
}

async function testSet(task: TrainingTask, options: EvaluateOptions): Promise<TrainingMeta> {
  const metaPath = join(options.dataDir, 'meta.json');
  if (!existsSync(metaPath)) {
    await generateTrainingSet({ task, split: 'test', count: options.count ?? 100, outDir: options.dataDir, seed: options.seed ?? 42, onProgress: options.onProgress });
  }
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as TrainingMeta;
  if (meta.task !== task) {
    throw new VigieError('wrong_test_set', `Le jeu ${options.dataDir} est un jeu « ${meta.task} », attendu « ${task} ».`);
  }
  if (meta.split === 'train') {
    throw new VigieError('wrong_test_set', `Le jeu ${options.dataDir} est le jeu d'entraînement : évaluer sur « test » (ou « val »).`);
  }
  if (meta.chips.length === 0) throw new VigieError('wrong_test_set', `Le jeu ${options.dataDir} ne contient aucune image : rien à mesurer.`);
  return meta;
}

async function evaluateDetection(model: LoadedModel, meta: TrainingMeta, options: EvaluateOptions): Promise<DetectionMetrics> {
  const threshold = model.card.thresholds.score;
  const scored: { score: number; tp: boolean }[] = [];
  let dumps = 0;
  let tpAtThreshold = 0;
  let detectionsAtThreshold = 0;
  let hardNegativeChips = 0;
  let falsePositivesOnHardNegatives = 0;
  for (const [k, chip] of meta.chips.entries()) {
    const truth = yoloBoxes(await readFile(join(options.dataDir, chip.label), 'utf8'), meta.imageSize);
    dumps += truth.length;
    // Low threshold for the precision–recall curve; the card's threshold for the operating point.
    const detections = await model.detect(await readFile(join(options.dataDir, chip.image)), { scoreThreshold: 0.01 });
    const matched = matchDetections(detections, truth);
    detections.forEach((d, i) => scored.push({ score: d.score, tp: matched[i]! }));
    const kept = detections.filter((d) => d.score >= threshold);
    detectionsAtThreshold += kept.length;
    tpAtThreshold += matchDetections(kept, truth).filter(Boolean).length;
    if (truth.length === 0 && (chip.hardNegatives?.length ?? 0) > 0) {
      hardNegativeChips++;
      falsePositivesOnHardNegatives += kept.length;
    }
    options.onProgress?.(k + 1, meta.chips.length, 'évaluation détection');
  }
  return {
    ap50: round(averagePrecision(scored, dumps), 4),
    precision: round(detectionsAtThreshold ? tpAtThreshold / detectionsAtThreshold : 1, 4),
    recall: round(dumps ? tpAtThreshold / dumps : 1, 4),
    scoreThreshold: threshold,
    chips: meta.chips.length,
    dumps,
    hardNegativeChips,
    falsePositivesOnHardNegatives,
    falsePositivesPer10HardNegativeChips: round(hardNegativeChips ? (10 * falsePositivesOnHardNegatives) / hardNegativeChips : 0, 3),
  };
}

/** YOLO label lines (class cx cy w h, normalised) → boxes in image pixels. */
export function yoloBoxes(text: string, [width, height]: [number, number]): Detection[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [cls, cx, cy, w, h] = line.trim().split(/\s+/).map(Number) as [number, number, number, number, number];
      return { x1: (cx - w / 2) * width, y1: (cy - h / 2) * height, x2: (cx + w / 2) * width, y2: (cy + h / 2) * height, score: 1, classId: cls };
    });
}

/** Greedy matching, best score first, at IoU ≥ 0.5 (PASCAL VOC / COCO AP50): true where a detection found a dump. */
export function matchDetections(detections: readonly Detection[], truth: readonly Detection[], minIou = 0.5): boolean[] {
  const taken = new Array<boolean>(truth.length).fill(false);
  const order = detections.map((_, i) => i).sort((a, b) => detections[b]!.score - detections[a]!.score);
  const tp = new Array<boolean>(detections.length).fill(false);
  for (const i of order) {
    let best = -1;
    let bestIou = minIou;
    truth.forEach((t, j) => {
      const overlap = iou(detections[i]!, t);
      if (!taken[j] && overlap >= bestIou) {
        best = j;
        bestIou = overlap;
      }
    });
    if (best >= 0) {
      taken[best] = true;
      tp[i] = true;
    }
  }
  return tp;
}

/** All-point interpolated average precision (area under the precision envelope), as VOC 2010+ and COCO compute it. */
export function averagePrecision(scored: readonly { score: number; tp: boolean }[], positives: number): number {
  if (positives === 0) return scored.length === 0 ? 1 : 0;
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  sorted.forEach((s, i) => {
    if (s.tp) tp++;
    recall.push(tp / positives);
    precision.push(tp / (i + 1));
  });
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let ap = 0;
  let previousRecall = 0;
  recall.forEach((r, i) => {
    ap += (r - previousRecall) * precision[i]!;
    previousRecall = r;
  });
  return ap;
}

async function evaluateSegmentation(model: LoadedModel, meta: TrainingMeta, options: EvaluateOptions): Promise<SegmentationMetrics> {
  const card = model.card;
  const nc = card.classes.length;
  // Test masks use the generator's class ids; the card's classes are matched by name when they can be.
  const toCard = meta.classes.map((key, id) => {
    const byName = card.classes.findIndex((c) => c.name === key);
    return byName >= 0 ? byName : id < nc ? id : -1;
  });
  const confusion = new Float64Array(nc * nc);
  let artificialTruth = 0;
  let artificialBoth = 0;
  let artificialPredicted = 0;
  const artificial = card.classes.map((c) => c.artificialised === true);
  for (const [k, chip] of meta.chips.entries()) {
    const predicted = await model.segment(await readFile(join(options.dataDir, chip.image)));
    const mask = await sharp(join(options.dataDir, chip.label)).extractChannel(0).raw().toBuffer();
    if (mask.length !== predicted.classes.length) {
      throw new VigieError('wrong_test_set', `Masque ${chip.label} de ${mask.length} pixels pour une carte de ${predicted.classes.length}.`);
    }
    for (let p = 0; p < mask.length; p++) {
      const t = toCard[mask[p]!] ?? -1;
      if (t < 0) continue;
      const q = predicted.classes[p]!;
      confusion[t * nc + q]!++;
      if (artificial[t]) artificialTruth++;
      if (artificial[q]) artificialPredicted++;
      if (artificial[t] && artificial[q]) artificialBoth++;
    }
    options.onProgress?.(k + 1, meta.chips.length, 'évaluation segmentation');
  }
  const iouByClass: Record<string, number | null> = {};
  const present: number[] = [];
  let correct = 0;
  let total = 0;
  for (let c = 0; c < nc; c++) {
    let truth = 0;
    let predicted = 0;
    for (let j = 0; j < nc; j++) {
      truth += confusion[c * nc + j]!;
      predicted += confusion[j * nc + c]!;
    }
    const hit = confusion[c * nc + c]!;
    correct += hit;
    total += truth;
    const union = truth + predicted - hit;
    const value = union > 0 ? hit / union : null;
    iouByClass[card.classes[c]!.name] = value === null ? null : round(value, 4);
    if (value !== null) present.push(value);
  }
  return {
    chips: meta.chips.length,
    pixelAccuracy: round(total ? correct / total : 0, 4),
    miou: round(present.reduce((a, b) => a + b, 0) / Math.max(1, present.length), 4),
    iou: iouByClass,
    iouArtificialised: round(artificialBoth / Math.max(1, artificialTruth + artificialPredicted - artificialBoth), 4),
  };
}

async function evaluateCounting(model: LoadedModel, meta: TrainingMeta, options: EvaluateOptions): Promise<CountingMetrics> {
  const kinds = classKinds(model.card);
  const errors = { people: 0, vehicles: 0, peopleRounded: 0, vehiclesRounded: 0 };
  let people = 0;
  const crowd: number[] = [];
  for (const [k, chip] of meta.chips.entries()) {
    const result = await model.count(await readFile(join(options.dataDir, chip.image)));
    let predictedPeople = 0;
    let predictedVehicles = 0;
    for (const c of result.counts) {
      if (kinds.get(c.classId) === 'person') predictedPeople += c.count;
      else if (kinds.get(c.classId) === 'vehicle') predictedVehicles += c.count;
    }
    const truth = chip.counts ?? { person: 0, vehicle: 0 };
    options.onFrame?.({ image: chip.image, sceneSeed: chip.sceneSeed, people: truth.person, vehicles: truth.vehicle, predictedPeople, predictedVehicles });
    people += truth.person;
    errors.people += Math.abs(predictedPeople - truth.person);
    errors.vehicles += Math.abs(predictedVehicles - truth.vehicle);
    errors.peopleRounded += Math.abs(Math.round(predictedPeople) - truth.person);
    errors.vehiclesRounded += Math.abs(Math.round(predictedVehicles) - truth.vehicle);
    if (truth.person >= TARGETS.counting.crowdFrom) crowd.push(Math.abs(predictedPeople - truth.person) / truth.person);
    options.onProgress?.(k + 1, meta.chips.length, 'évaluation comptage');
  }
  const n = Math.max(1, meta.chips.length);
  return {
    frames: meta.chips.length,
    maePeople: round(errors.people / n, 3),
    maeVehicles: round(errors.vehicles / n, 3),
    maePeopleRounded: round(errors.peopleRounded / n, 3),
    maeVehiclesRounded: round(errors.vehiclesRounded / n, 3),
    meanPeople: round(people / n, 2),
    crowdFrames: crowd.length,
    crowdWithinBand: round(crowd.length ? crowd.filter((e) => e <= TARGETS.counting.crowdBand).length / crowd.length : 1, 3),
    crowdMaxRelativeError: round(crowd.length ? Math.max(...crowd) : 0, 3),
  };
}

function targetsMet(task: Task, results: TaskMetrics): boolean {
  if (task === 'detection') {
    const r = results as DetectionMetrics;
    return r.ap50 >= TARGETS.detection.ap50 && r.falsePositivesPer10HardNegativeChips < TARGETS.detection.falsePositivesPer10HardNegatives;
  }
  if (task === 'segmentation') {
    const r = results as SegmentationMetrics;
    return r.miou >= TARGETS.segmentation.miou && (r.iou.bati ?? 0) >= TARGETS.segmentation.iouBati;
  }
  const r = results as CountingMetrics;
  return r.maePeople <= TARGETS.counting.maePeople && r.maeVehicles <= TARGETS.counting.maeVehicles && r.crowdWithinBand === 1;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** How the runtime ran the model, for the card: sessions, and what the rewritten graph does (pixel-graph.ts). */
function runtimeLine(model: LoadedModel): string {
  const parts = [`${model.pool.size} session(s) × ${model.pool.intraOpNumThreads} thread(s)`];
  if (model.pixelInput === true) parts.push('8-bit pixels normalised in the graph');
  if (model.passes > 1) parts.push(`${model.passes} mirrored passes combined${model.passesInGraph ? ' in the graph' : ''}`);
  return `onnxruntime-node via @vigie/workers/runtime (${parts.join(', ')})`;
}
