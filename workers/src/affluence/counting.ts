import sharp from 'sharp';
import { VigieError } from '@vigie/api/errors';
import {
  FRAME_MAX_PIXELS,
  type FrameCount,
  type FrameCounter,
  type FrameObject,
  type ObjectKind,
  frameTooManyPixels,
} from '@vigie/api/affluence';
import { type ModelCard, type LoadedModel, type LetterboxTransform, decodeDensityMap, rasterFromEncoded } from '../runtime';

/**
 * Counting people and vehicles in a camera frame, in memory. The model card decides everything about the
 * model; this module only maps its classes to people and vehicles and applies the counting polygon.
 */

const PERSON = /^(person|personne|people|pedestrian|pi[ée]ton)s?$/i;
const VEHICLE = /^(vehicle|v[ée]hicule|car|voiture|truck|camion|bus|van|motorcycle|moto|bicycle|v[ée]lo)s?$/i;

/**
 * Which card class is a person, which a vehicle, by name (or French label). A card naming neither reads
 * as the training set's order: class 0 person, class 1 vehicle. Other classes are not counted.
 */
export function classKinds(card: Pick<ModelCard, 'classes'>): Map<number, ObjectKind> {
  const kinds = new Map<number, ObjectKind>();
  for (const c of card.classes) {
    const names = [c.name, c.label ?? ''];
    if (names.some((n) => PERSON.test(n.trim()))) kinds.set(c.id, 'person');
    else if (names.some((n) => VEHICLE.test(n.trim()))) kinds.set(c.id, 'vehicle');
  }
  if (kinds.size === 0) {
    kinds.set(0, 'person');
    if (card.classes.length > 1) kinds.set(1, 'vehicle');
  }
  return kinds;
}

/** Even-odd ray casting; points on an edge may fall either side, which a counting area can afford. */
export function insidePolygon(x: number, y: number, polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** An object counts when its box centre lies inside the polygon (or always, without one). */
export function countObjects(objects: readonly FrameObject[], polygon: readonly (readonly [number, number])[] | null): { people: number; vehicles: number } {
  let people = 0;
  let vehicles = 0;
  for (const o of objects) {
    if (polygon && !insidePolygon((o.x1 + o.x2) / 2, (o.y1 + o.y2) / 2, polygon)) continue;
    if (o.kind === 'person') people++;
    else vehicles++;
  }
  return { people, vehicles };
}

/** Frame size from its header alone, refusing decompression bombs before any pixel is decoded. */
export async function frameSize(frame: Uint8Array): Promise<{ width: number; height: number }> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(frame).metadata());
  } catch (error) {
    throw new VigieError('invalid_image', `Image illisible : ${(error as Error).message}.`, 400);
  }
  if (!width || !height) throw new VigieError('invalid_image', 'Image illisible : dimensions absentes.', 400);
  if (width * height > FRAME_MAX_PIXELS) throw frameTooManyPixels(width, height);
  return { width, height };
}

/**
 * Density models give no boxes: the count inside the polygon is the density summed over the map cells
 * whose centre, mapped back to frame pixels, lies inside it.
 */
export function densityInside(
  density: { map: Float32Array; width: number; height: number },
  classIndex: number,
  transform: LetterboxTransform,
  input: { width: number; height: number },
  polygon: readonly (readonly [number, number])[] | null,
): number {
  const { map, width: w, height: h } = density;
  const plane = w * h;
  let sum = 0;
  for (let i = 0; i < h; i++) {
    const y = (((i + 0.5) * input.height) / h - transform.padY) / transform.scaleY;
    for (let j = 0; j < w; j++) {
      const v = map[classIndex * plane + i * w + j]!;
      if (v <= 0) continue;
      const x = (((j + 0.5) * input.width) / w - transform.padX) / transform.scaleX;
      if (!polygon || insidePolygon(x, y, polygon)) sum += v;
    }
  }
  return sum;
}

/**
 * Density per frame pixel above which a cell is someone to blur: 0.005 person in a cell of 4 × 4 frame pixels (a
 * person's blob peaks far higher; a van's mass, spread over its box, only just above). Per frame pixel, not per
 * cell, so that a model whose map is finer (the crowd counter reads frames enlarged twice: cells of 2 × 2 frame
 * pixels, each holding a quarter of the mass) blurs the same places.
 */
export const DENSE_PER_PIXEL = 0.005 / 16;

/**
 * Density models give no boxes, so the preview blurs where the map says someone is: each run of dense
 * cells along a map row, widened by one cell all round, becomes an area in frame pixels.
 */
export function denseAreas(
  density: { map: Float32Array; width: number; height: number },
  classIndex: number,
  kind: ObjectKind,
  transform: LetterboxTransform,
  input: { width: number; height: number },
): FrameObject[] {
  const { map, width: w, height: h } = density;
  const cellW = input.width / w;
  const cellH = input.height / h;
  const threshold = DENSE_PER_PIXEL * (cellW / transform.scaleX) * (cellH / transform.scaleY);
  const toX = (x: number) => Math.min(transform.sourceWidth, Math.max(0, (x - transform.padX) / transform.scaleX));
  const toY = (y: number) => Math.min(transform.sourceHeight, Math.max(0, (y - transform.padY) / transform.scaleY));
  const areas: FrameObject[] = [];
  for (let i = 0; i < h; i++) {
    const row = classIndex * w * h + i * w;
    for (let j = 0; j < w; j++) {
      if (!(map[row + j]! > threshold)) continue;
      const first = j;
      while (j + 1 < w && map[row + j + 1]! > threshold) j++;
      const area = { kind, x1: toX((first - 1) * cellW), y1: toY((i - 1) * cellH), x2: toX((j + 2) * cellW), y2: toY((i + 2) * cellH) };
      if (area.x2 > area.x1 && area.y2 > area.y1) areas.push(area);
    }
  }
  return areas;
}

/** The FrameCounter the API installs: decode, count, drop; and the blurred preview. */
export function frameCounterFor(model: LoadedModel, opts: { ownsModel?: boolean } = {}): FrameCounter {
  const kinds = classKinds(model.card);
  const density = model.card.output.format === 'density-map';
  return {
    async count(frame, polygon): Promise<FrameCount> {
      const { width, height } = await frameSize(frame);
      const raster = await rasterFromEncoded(frame);
      if (density) {
        const { output, transform } = await model.infer(raster);
        const map = decodeDensityMap(output);
        const byKind = { person: 0, vehicle: 0 };
        const objects: FrameObject[] = [];
        for (const [classId, kind] of kinds) {
          byKind[kind] += densityInside(map, classId, transform, model.card.input, polygon);
          objects.push(...denseAreas(map, classId, kind, transform, model.card.input));
        }
        return { people: Math.round(byKind.person), vehicles: Math.round(byKind.vehicle), width, height, objects };
      }
      const detections = await model.detect(raster);
      const objects: FrameObject[] = [];
      for (const d of detections) {
        const kind = kinds.get(d.classId);
        if (kind) objects.push({ kind, x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 });
      }
      return { ...countObjects(objects, polygon), width, height, objects };
    },
    renderPreview: blurredPreview,
    async close() {
      if (opts.ownsModel) await model.close();
    },
  };
}

/** Margin added around each box before blurring, as a fraction of its size (boxes are never exact). */
const BLUR_MARGIN = 0.2;

/** The preview's blur: a twentieth of the frame's height, 8 px at least. */
export const previewBlurSigma = (height: number) => Math.max(8, height / 20);

/**
 * The frame with every object blurred: a heavy blur of the whole frame (previewBlurSigma) shows through
 * a mask of the objects' boxes, each widened by a margin.
 */
export async function blurredPreview(frame: Uint8Array, objects: readonly FrameObject[]): Promise<Buffer> {
  const { data, info } = await sharp(frame, { limitInputPixels: FRAME_MAX_PIXELS }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const raw = { width, height, channels: 3 as const };
  const mask = Buffer.alloc(width * height);
  for (const o of objects) {
    const mx = (o.x2 - o.x1) * BLUR_MARGIN;
    const my = (o.y2 - o.y1) * BLUR_MARGIN;
    const left = Math.max(0, Math.floor(o.x1 - mx));
    const right = Math.min(width, Math.ceil(o.x2 + mx));
    const top = Math.max(0, Math.floor(o.y1 - my));
    const bottom = Math.min(height, Math.ceil(o.y2 + my));
    for (let y = top; y < bottom; y++) mask.fill(255, y * width + left, y * width + right);
  }
  const blurred = await sharp(data, { raw }).blur(previewBlurSigma(height)).raw().toBuffer();
  const veil = await sharp(blurred, { raw }).joinChannel(mask, { raw: { width, height, channels: 1 } }).png({ compressionLevel: 0 }).toBuffer();
  return sharp(data, { raw }).composite([{ input: veil }]).jpeg({ quality: 70 }).toBuffer();
}
