import fs from 'node:fs/promises';
import path from 'node:path';
import { fromFile } from 'geotiff';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import type { Database } from '../../db/schema';
import { VigieError } from '../../errors';
import { type Bounds, type GeoTransform, LAMBERT93, WEB_MERCATOR, WGS84, displaySamples, mapToPixel, projector, readTiffWindow } from '../../geo';
import { CONFIRMED_STATUSES } from '../status';
import type { ZipEntry } from './zip';

/**
 * Reviewed decisions as a YOLO dataset to retrain the detector: for every confirmed (or reported, or cleared)
 * dump and every false positive, a chip cut from its vintage's GeoTIFF around it, and a label file listing the
 * confirmed dumps inside the chip (class 0), empty for a chip that holds only false positives — the hard
 * negatives the model must learn to leave alone.
 *
 *   data.yaml            Ultralytics dataset file (one class: depot_sauvage)
 *   images/<year>_<id>.jpg
 *   labels/<year>_<id>.txt   "0 cx cy w h", normalised to the chip
 *   manifest.csv         chip -> detection, decision, vintage, Lambert-93 centre
 *   LISEZMOI.txt
 */
export const DATASET_CLASS = 'depot_sauvage';
export const DATASET_MAX_DETECTIONS = 5000;
export const DEFAULT_CHIP_PX = 512;

const REVIEWED = [...CONFIRMED_STATUSES, 'faux_positif'] as const;

interface Reviewed {
  id: number;
  status: string;
  vintageId: number;
  year: number;
  communeInsee: string | null;
  xL93: number;
  yL93: number;
  footprint: { coordinates: unknown };
}

/** Checks there is something to export before any byte is sent (an error mid-stream would truncate the archive). */
export async function reviewedDetections(db: Kysely<Database>, authorityId: number): Promise<Reviewed[]> {
  const rows = await db
    .selectFrom('dumpDetection as d')
    .innerJoin('vintage as v', 'v.id', 'd.vintageId')
    .select(['d.id', 'd.status', 'd.vintageId', 'v.year', 'd.communeInsee', 'd.xL93', 'd.yL93', 'd.footprint'])
    .where('d.authorityId', '=', authorityId)
    .where('d.status', 'in', REVIEWED)
    .orderBy('d.vintageId')
    .orderBy('d.id')
    .limit(DATASET_MAX_DETECTIONS + 1)
    .execute();
  if (rows.length === 0) {
    throw new VigieError('dataset_empty', 'Aucun dépôt confirmé ni faux positif : revoyez des détections avant d’exporter un jeu d’entraînement.', 404);
  }
  if (rows.length > DATASET_MAX_DETECTIONS) {
    throw new VigieError('dataset_too_large', `Plus de ${DATASET_MAX_DETECTIONS} décisions à exporter : utilisez l’export en répertoire (writeDatasetDirectory).`, 413);
  }
  return rows;
}

/** The dataset's files, one chip at a time (a caller streams them into a ZIP or writes them to a directory). */
export async function* datasetEntries(db: Kysely<Database>, authorityId: number, reviewed: Reviewed[], chipPx = DEFAULT_CHIP_PX): AsyncGenerator<ZipEntry> {
  const text = (name: string, body: string): ZipEntry => ({ name, bytes: Buffer.from(body, 'utf8') });
  yield text('data.yaml', `# Vigie : décisions de revue des dépôts sauvages\npath: .\ntrain: images\nval: images\nnames:\n  0: ${DATASET_CLASS}\n`);
  yield text('LISEZMOI.txt', README);
  const manifest = ['fichier;detection_id;decision;millesime;code_insee;x_l93;y_l93;boites'];
  const skipped: string[] = [];

  for (const [vintageId, ofVintage] of groupBy(reviewed, (r) => r.vintageId)) {
    const source = await db
      .selectFrom('imagerySource')
      .select(['uri', 'epsg', 'bandNames'])
      .where('authorityId', '=', authorityId)
      .where('vintageId', '=', vintageId)
      .where('kind', '=', 'geotiff')
      .orderBy('id')
      .executeTakeFirst();
    const raster = source ? await openRaster(source.uri, source.bandNames).catch(() => undefined) : undefined;
    if (!source || !raster) {
      skipped.push(...ofVintage.map((r) => `${r.id} (millésime ${r.year} : pas d’orthophoto GeoTIFF lisible)`));
      continue;
    }
    const toSource = projector(WGS84, source.epsg === 3857 ? WEB_MERCATOR : LAMBERT93);
    const boxes = ofVintage.map((r) => ({ ...r, box: pixelBox(raster.geoTransform, footprintBounds(r.footprint, toSource)) }));
    const positives = boxes.filter((b) => b.status !== 'faux_positif');
    try {
      for (const target of boxes) {
        const chip = chipAround(target.box, chipPx, raster.width, raster.height);
        if (!chip) {
          skipped.push(`${target.id} (hors de l’orthophoto ${target.year})`);
          continue;
        }
        const labels = positives.map((p) => yoloLine(p.box, chip)).filter((l): l is string => l !== undefined);
        const stem = `${target.year}_${target.id}`;
        yield { name: `images/${stem}.jpg`, bytes: await raster.readJpeg(chip) };
        yield text(`labels/${stem}.txt`, labels.map((l) => `${l}\n`).join(''));
        manifest.push([`images/${stem}.jpg`, target.id, target.status, target.year, target.communeInsee ?? '', target.xL93.toFixed(2), target.yL93.toFixed(2), labels.length].join(';'));
      }
    } finally {
      await raster.close();
    }
  }
  yield text('manifest.csv', `${manifest.join('\r\n')}\r\n`);
  if (skipped.length > 0) yield text('ignores.txt', `Détections revues sans vignette possible :\n${skipped.join('\n')}\n`);
}

/** Writes the dataset under `dir` (created if needed): for a CLI, or a dataset too large for one archive. */
export async function writeDatasetDirectory(db: Kysely<Database>, authorityId: number, dir: string, chipPx = DEFAULT_CHIP_PX): Promise<number> {
  let files = 0;
  const reviewed = await reviewedDetections(db, authorityId);
  for await (const entry of datasetEntries(db, authorityId, reviewed, chipPx)) {
    const file = path.join(dir, ...entry.name.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, entry.bytes);
    files += 1;
  }
  return files;
}

/** Pixel window [x, y, width, height] of `size` px centred on `box`, shifted to stay inside the image. */
export function chipAround(box: Bounds, size: number, width: number, height: number): Bounds | undefined {
  if (box[2] <= 0 || box[3] <= 0 || box[0] >= width || box[1] >= height) return undefined;
  const w = Math.min(size, width);
  const h = Math.min(size, height);
  const x = Math.max(0, Math.min(width - w, Math.round((box[0] + box[2]) / 2 - w / 2)));
  const y = Math.max(0, Math.min(height - h, Math.round((box[1] + box[3]) / 2 - h / 2)));
  return [x, y, w, h];
}

/** A YOLO label line for a pixel box inside a chip (clipped to it), or undefined when it falls outside. */
export function yoloLine(box: Bounds, [x, y, w, h]: Bounds, classId = 0): string | undefined {
  const x1 = Math.max(box[0], x), y1 = Math.max(box[1], y);
  const x2 = Math.min(box[2], x + w), y2 = Math.min(box[3], y + h);
  // slivers under 2 px at the chip edge teach nothing
  if (x2 - x1 < 2 || y2 - y1 < 2) return undefined;
  const f = (v: number) => v.toFixed(6);
  return `${classId} ${f(((x1 + x2) / 2 - x) / w)} ${f(((y1 + y2) / 2 - y) / h)} ${f((x2 - x1) / w)} ${f((y2 - y1) / h)}`;
}

function footprintBounds(footprint: { coordinates: unknown }, project: (p: [number, number]) => [number, number]): Bounds {
  const ring = ((footprint.coordinates as number[][][])[0] ?? []).map((p) => project([p[0]!, p[1]!]));
  const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Map bounds -> pixel box [x1, y1, x2, y2] (rows go down). */
function pixelBox(gt: GeoTransform, [minX, minY, maxX, maxY]: Bounds): Bounds {
  const [x1, y1] = mapToPixel(gt, minX, maxY);
  const [x2, y2] = mapToPixel(gt, maxX, minY);
  return [x1, y1, x2, y2];
}

/** A GeoTIFF opened for windowed reads: only the chip is ever decoded. */
async function openRaster(file: string, bandNames: (string | null)[] | null) {
  const tiff = await fromFile(file);
  const image = await tiff.getImage();
  const [originX, originY] = image.getOrigin() as [number, number];
  const [pixelWidth, negHeight] = image.getResolution() as [number, number];
  const bands = image.getSamplesPerPixel();
  const geoTransform: GeoTransform = { originX, originY, pixelWidth, pixelHeight: -negHeight };
  return {
    geoTransform,
    width: image.getWidth(),
    height: image.getHeight(),
    async readJpeg([x, y, w, h]: Bounds): Promise<Buffer> {
      const samples = displaySamples(bandNames, bands);
      const data = (await readTiffWindow(image, [x, y, x + w, y + h], samples)) as unknown as ArrayLike<number>;
      const rgb = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>, (v) => Math.max(0, Math.min(255, v)));
      return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    },
    async close() {
      await (tiff as unknown as { close?: () => Promise<void> | void }).close?.();
    },
  };
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const README = `Jeu d'entraînement Vigie — dépôts sauvages
==========================================

Chaque image (images/) est une vignette de l'orthophoto du millésime, centrée sur une détection revue par un
agent. Le fichier de même nom dans labels/ suit le format YOLO (Ultralytics) : une ligne par dépôt confirmé
visible dans la vignette, "classe cx cy largeur hauteur", valeurs rapportées à la taille de la vignette.
Un fichier vide signifie que la vignette ne contient qu'un faux positif : c'est un exemple négatif.

Sont comptés comme dépôts : les statuts confirmé, signalé et résorbé. manifest.csv relie chaque vignette à sa
détection dans Vigie. Répartissez vous-même les vignettes entre entraînement et validation (par commune de
préférence, pour éviter que des vignettes voisines se retrouvent des deux côtés).
`;
