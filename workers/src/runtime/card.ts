import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { VigieError } from '@vigie/api/errors';

/**
 * The model card (`models/<id>/model.json`): everything the runtime needs to feed a model and read its
 * output. Adding a model is adding a card, never code.
 */

/** Imagery bands a model may expect. A model that wants NIR is refused on RGB imagery. */
export const BANDS = ['R', 'G', 'B', 'NIR', 'ELEVATION'] as const;
export type Band = (typeof BANDS)[number];

export const TASKS = ['detection', 'segmentation', 'counting'] as const;
export type Task = (typeof TASKS)[number];

export const OUTPUT_FORMATS = ['yolov8', 'yolox', 'segmentation-logits', 'density-map'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Mirrored passes of a segmentation or density model (`runtime.flips`), see flips.ts. */
export const FLIPS = ['none', 'horizontal', 'both'] as const;
export type Flips = (typeof FLIPS)[number];
/** Outputs laid out like the input (a map at a stride of it), which a mirrored pass mirrors exactly. */
export const MIRRORABLE: readonly OutputFormat[] = ['segmentation-logits', 'density-map'];

const bandSchema = z.enum(BANDS);

/** 'RGB' and 'BGR' as shorthands, or the bands spelled out: ["R", "G", "B", "NIR"]. */
const channelOrderSchema = z
  .union([z.enum(['RGB', 'BGR']), z.array(bandSchema).min(1)])
  .transform((order): Band[] => (order === 'RGB' ? ['R', 'G', 'B'] : order === 'BGR' ? ['B', 'G', 'R'] : order));

/** A positive number, or a fraction such as "1/255" (JSON has no exact 1/255). */
const scaleSchema = z.union([
  z.number().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\/\d+(\.\d+)?$/, 'une fraction telle que "1/255"')
    .transform((s) => {
      const [num, den] = s.split('/').map(Number) as [number, number];
      return num / den;
    })
    .refine((v) => Number.isFinite(v) && v > 0, 'doit être positif'),
]);

const inputSchema = z
  .object({
    name: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.number().int().positive(),
    channelOrder: channelOrderSchema,
    /** pixel × scale, then (value − mean) / std per channel: mean and std are in scaled units */
    scale: scaleSchema.default(1),
    mean: z.array(z.number()).optional(),
    std: z.array(z.number().positive()).optional(),
    resize: z.enum(['letterbox-center', 'letterbox-topleft', 'stretch']),
    padValue: z.number().min(0).max(65535).default(114),
    /** expected ground sample distance in metres; absent for camera models */
    gsd: z.number().positive().optional(),
  })
  .transform((input, ctx) => {
    const n = input.channels;
    if (input.channelOrder.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['channelOrder'],
        message: `${input.channelOrder.length} bandes listées pour ${n} canaux`,
      });
    }
    for (const [key, values] of [['mean', input.mean], ['std', input.std]] as const) {
      if (values && values.length !== n) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${values.length} valeurs pour ${n} canaux` });
      }
    }
    return { ...input, mean: input.mean ?? Array<number>(n).fill(0), std: input.std ?? Array<number>(n).fill(1) };
  });

const outputSchema = z.object({
  name: z.string().min(1),
  format: z.enum(OUTPUT_FORMATS),
  /** yolox only: true when the export already applied (out + grid) × stride and exp(out) × stride */
  decodeInGraph: z.boolean().default(false),
  /** detection heads' strides, from which N = Σ (width/stride × height/stride) */
  strides: z.array(z.number().int().positive()).min(1).default([8, 16, 32]),
});

const classSchema = z.object({
  id: z.number().int().min(0),
  name: z.string().min(1),
  /** French label shown to users */
  label: z.string().optional(),
  /** segmentation: counts as artificialised under the 2023 nomenclature */
  artificialised: z.boolean().optional(),
  /** e.g. the OCS GE couverture code */
  category: z.string().optional(),
});

const metricsSchema = z
  .object({
    measuredAt: z.string().min(1),
    command: z.string().min(1),
    /** the set the figures were measured on: `vigie models eval` generates it again as large when it is missing */
    testSet: z.object({ count: z.number().int().positive() }).catchall(z.unknown()).optional(),
  })
  .catchall(z.unknown());

export const modelCardSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'minuscules, chiffres, « . », « _ » ou « - »'),
    version: z.string().min(1),
    task: z.enum(TASKS),
    input: inputSchema,
    output: outputSchema,
    classes: z.array(classSchema).min(1),
    thresholds: z
      .object({ score: z.number().min(0).max(1).default(0.25), iou: z.number().min(0).max(1).default(0.45) })
      .default({ score: 0.25, iou: 0.45 }),
    training: z.object({ data: z.string(), seed: z.number().int(), recipe: z.string() }).optional(),
    metrics: metricsSchema.optional(),
    /** how to spread the model over cores when the default (one single-threaded session per core) is wrong, e.g. a large U-Net */
    runtime: z
      .object({
        sessions: z.number().int().positive().optional(),
        intraOpNumThreads: z.number().int().positive().optional(),
        /**
         * segmentation and density maps: also run the image mirrored (`horizontal`: 2 passes; `both`: left-right,
         * top-bottom and both, 4 passes) and average the outputs. Aerial views have no up or left, so each pass is as
         * good a guess; their mean is steadier along thin things (tracks, hedges, road edges). A camera view has an up
         * but no left: a counter's left-right passes average out part of each person's noise. At the cost of the passes.
         */
        flips: z.enum(FLIPS).default('none'),
      })
      .optional(),
    file: z.string().regex(/^[^/\\]+\.onnx$/, 'un nom de fichier .onnx dans le dossier du modèle').default('model.onnx'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  })
  .superRefine((card, ctx) => {
    card.classes.forEach((c, i) => {
      if (c.id !== i) {
        ctx.addIssue({ code: 'custom', path: ['classes', i, 'id'], message: `attendu ${i} : les id suivent l'ordre des sorties du modèle` });
      }
    });
    const allowed: Record<Task, readonly OutputFormat[]> = {
      detection: ['yolov8', 'yolox'],
      segmentation: ['segmentation-logits'],
      counting: ['density-map', 'yolov8', 'yolox'],
    };
    if (!allowed[card.task].includes(card.output.format)) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'format'],
        message: `le format « ${card.output.format} » ne convient pas à la tâche « ${card.task} » (attendu : ${allowed[card.task].join(', ')})`,
      });
    }
    if ((card.runtime?.flips ?? 'none') !== 'none' && !MIRRORABLE.includes(card.output.format)) {
      ctx.addIssue({ code: 'custom', path: ['runtime', 'flips'], message: `les passes en miroir ne valent que pour une sortie ${MIRRORABLE.join(' ou ')}` });
    }
    if (card.output.format === 'segmentation-logits' && card.classes.length > 255) {
      ctx.addIssue({ code: 'custom', path: ['classes'], message: '255 classes au plus (carte de classes sur un octet)' });
    }
  });

export type ModelCard = z.output<typeof modelCardSchema>;
export type ModelCardInput = z.input<typeof modelCardSchema>;
export type ModelClass = ModelCard['classes'][number];

/** Validates a parsed model.json; `source` names it in the error message. */
export function parseModelCard(json: unknown, source = 'model.json'): ModelCard {
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(racine)'} : ${issue.message}`);
    throw new VigieError(
      'invalid_model_card',
      `Carte de modèle invalide (${source}) : ${problems.join(' ; ')}.`,
      400,
      { problems },
    );
  }
  return parsed.data;
}

/** Reads and validates `<dir>/model.json`. */
export async function loadModelCard(dir: string): Promise<ModelCard> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new VigieError('model_card_not_found', `Carte de modèle introuvable : ${path}.`, 404);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VigieError('invalid_model_card', `Carte de modèle illisible (${path}) : JSON invalide (${(error as Error).message}).`);
  }
  return parseModelCard(json, path);
}

/** SHA-256 of a file, streamed (models can be hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    throw modelFileNotFound(path);
  }
  return hash.digest('hex');
}

/** A model file read whole, for a runtime that needs its bytes anyway (pixel-graph.ts); `sha256Of` hashes them. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch {
    throw modelFileNotFound(path);
  }
}

export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const modelFileNotFound = (path: string) => new VigieError('model_file_not_found', `Fichier du modèle introuvable : ${path}.`, 404);
