import sharp from 'sharp';
import type { AppDeps } from '@vigie/api/http';
import { type Bounds, type GeoTransform, displaySamples, mapToPixel, readTiffWindow, toLambert93, toWgs84 } from '@vigie/api/geo';
import { DEFAULT_MODELS, type Run } from '@vigie/api/runs';
import { boxLiteral } from '../imagery/register';
import type { BandNames } from '../imagery/bands';
import { describeGeoTiff, openGeoTiff } from '../imagery/geotiff-source';
import { type ChipDetections, mergeChipDetections, rasterFromGeoTiff } from '../runtime';
import { communeAt, communesOf, insideArea, parseChipKey, pixelBoxToL93 } from './area';
import { modelFor } from './models';
import type { Pipeline } from './pipeline';
import { planChips, readRunChip, runGeometry } from './vintage';

/** Chips share 128 px (25.6 m at 0.20 m): the largest dumps (30 m) are seen whole in at least one chip. */
const OVERLAP_PX = 128;
const MERGE_IOU = 0.3;
const THUMBNAIL_PX = 256;

const modelIdOf = (run: Run) => run.modelId ?? DEFAULT_MODELS.dumps!.id;

/** Illegal dumps: detect on each chip, merge across chip borders, link to earlier vintages, thumbnail each. */
export const dumpsPipeline: Pipeline = {
  async plan(deps, run) {
    const model = await modelFor(deps, modelIdOf(run));
    return planChips(deps, run, model.card, OVERLAP_PX);
  },

  async processChip(deps, run, chipKey) {
    const model = await modelFor(deps, modelIdOf(run));
    const { chip, info, raster } = await readRunChip(deps, run, chipKey);
    // a box centred outside the imagery (no-data borders of a mosaic) is no dump
    const detections = (await model.detect(raster)).filter((d) => !raster.valid || raster.valid[pixelAt(raster.width, raster.height, (d.x1 + d.x2) / 2, (d.y1 + d.y2) / 2)] === 1);
    const gt = info.geoTransform;
    await deps.db.transaction().execute(async (trx) => {
      // replace, never append: a retried chip writes the same rows once
      await trx.deleteFrom('dumpCandidate').where('runId', '=', run.id).where('chipKey', '=', chipKey).execute();
      if (detections.length === 0) return;
      await trx
        .insertInto('dumpCandidate')
        .values(
          detections.map((d, idx) => ({
            runId: run.id,
            chipKey,
            idx,
            score: d.score,
            boxL93: pixelBoxToL93(gt, chip.x + d.x1, chip.y + d.y1, chip.x + d.x2, chip.y + d.y2),
          })),
        )
        .execute();
    });
    return detections.length;
  },

  async finalise(deps, run) {
    const { source, info, area, window } = await runGeometry(deps, run);
    const gt = info.geoTransform;
    const candidates = await deps.db.selectFrom('dumpCandidate').selectAll().where('runId', '=', run.id).execute();
    const byChip = new Map<string, ChipDetections & { detections: ChipDetections['detections'][number][] }>();
    for (const c of candidates) {
      let entry = byChip.get(c.chipKey);
      if (!entry) byChip.set(c.chipKey, (entry = { chip: parseChipKey(c.chipKey), detections: [] }));
      const [x1, y1] = mapToPixel(gt, c.boxL93[0], c.boxL93[3]);
      const [x2, y2] = mapToPixel(gt, c.boxL93[2], c.boxL93[1]);
      entry.detections.push({ x1: x1 - entry.chip.x, y1: y1 - entry.chip.y, x2: x2 - entry.chip.x, y2: y2 - entry.chip.y, score: c.score, classId: 0 });
    }
    const merged = mergeChipDetections([...byChip.values()], { window, iouThreshold: MERGE_IOU });
    const communes = await communesOf(deps, run.authorityId);
    const previous = await previousDetections(deps, run);
    const matched = new Set<number>();
    const keys: string[] = [];

    for (const d of merged) {
      const box = pixelBoxToL93(gt, d.x1, d.y1, d.x2, d.y2);
      const centre: [number, number] = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
      const lonLat = toWgs84(centre);
      if (!insideArea(area, lonLat)) continue;
      const match = previous.find((p) => overlaps(p.box, box));
      if (match) matched.add(match.id);
      const mergeKey = `${Math.round(centre[0])}_${Math.round(centre[1])}`;
      keys.push(mergeKey);
      await saveDetection(deps, run, {
        mergeKey, box, score: d.score, commune: communeAt(communes, lonLat),
        change: match ? 'persistant' : 'nouveau',
        firstSeenVintageId: match ? match.firstSeenVintageId ?? match.vintageId : run.vintageId!,
        previousDetectionId: match?.id ?? null,
        thumbnail: await thumbnail(source, gt, box),
      });
    }
    // seen before, not any more: a candidate for "résorbé", shown on today's image
    for (const p of previous.filter((p) => !matched.has(p.id))) {
      const centre: [number, number] = [(p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2];
      const lonLat = toWgs84(centre);
      if (!insideArea(area, lonLat)) continue;
      // where today's orthophoto has no imagery, nothing can be said of the dump
      if (!(await hasImagery(source, info, centre))) continue;
      const mergeKey = `disparu_${p.id}`;
      keys.push(mergeKey);
      await saveDetection(deps, run, {
        mergeKey, box: p.box, score: p.score, commune: communeAt(communes, lonLat), change: 'disparu',
        firstSeenVintageId: p.firstSeenVintageId ?? p.vintageId, previousDetectionId: p.id,
        thumbnail: await thumbnail(source, gt, p.box),
      });
    }
    // a re-run replaces its own unreviewed detections that are no longer found
    let stale = deps.db.deleteFrom('dumpDetection').where('runId', '=', run.id).where('status', '=', 'a_verifier');
    if (keys.length > 0) stale = stale.where('mergeKey', 'not in', keys);
    await stale.execute();
  },
};

/** Whether the orthophoto shows the ground at a Lambert-93 point: inside the image, and not a no-data pixel. */
async function hasImagery(source: { uri: string; bandNames: BandNames }, info: { geoTransform: GeoTransform; width: number; height: number }, point: [number, number]) {
  const [col, row] = mapToPixel(info.geoTransform, point[0], point[1]);
  const x = Math.floor(col), y = Math.floor(row);
  if (x < 0 || y < 0 || x >= info.width || y >= info.height) return false;
  const { image } = await openGeoTiff(source.uri);
  const pixel = await rasterFromGeoTiff(image, { x, y, width: 1, height: 1 }, source.bandNames);
  return !pixel.valid || pixel.valid[0] === 1;
}

function overlaps(a: Bounds, b: Bounds): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Detections of the latest earlier vintage analysed for this authority (what "persistant" and "disparu" compare to). */
async function previousDetections(deps: AppDeps, run: Run) {
  const current = await deps.db.selectFrom('vintage').select('year').where('id', '=', run.vintageId!).executeTakeFirstOrThrow();
  const earlier = await deps.db
    .selectFrom('run')
    .innerJoin('vintage', 'vintage.id', 'run.vintageId')
    .select(['run.id'])
    .where('run.authorityId', '=', run.authorityId)
    .where('run.useCase', '=', 'dumps')
    .where('run.status', '=', 'succeeded')
    .where('vintage.year', '<', current.year)
    .orderBy('vintage.year', 'desc')
    .orderBy('run.finishedAt', 'desc')
    .executeTakeFirst();
  if (!earlier) return [];
  const rows = await deps.db
    .selectFrom('dumpDetection')
    .select(['id', 'vintageId', 'firstSeenVintageId', 'score', 'xL93', 'yL93', 'footprint'])
    .where('runId', '=', earlier.id)
    .where('change', '!=', 'disparu')
    .where('status', '!=', 'faux_positif')
    .execute();
  return rows.map((r) => ({ ...r, box: footprintBoxL93(r.footprint as { coordinates: number[][][] }) }));
}

function footprintBoxL93(footprint: { coordinates: number[][][] }): Bounds {
  const pts = footprint.coordinates[0]!.map((p) => toLambert93(p as [number, number]));
  return [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1]))];
}

async function saveDetection(
  deps: AppDeps,
  run: Run,
  d: { mergeKey: string; box: Bounds; score: number; commune: string | null; change: 'nouveau' | 'persistant' | 'disparu'; firstSeenVintageId: number; previousDetectionId: number | null; thumbnail: Buffer },
) {
  const [minX, minY, maxX, maxY] = d.box;
  const ring = [[minX, maxY], [maxX, maxY], [maxX, minY], [minX, minY], [minX, maxY]].map((p) => toWgs84(p as [number, number]));
  const lons = ring.map((p) => p[0]), lats = ring.map((p) => p[1]);
  const centre = toWgs84([(minX + maxX) / 2, (minY + maxY) / 2]);
  const thumbnailPath = `thumbs/dumps/${run.authorityId}/${run.id}/${d.mergeKey}.jpg`;
  await deps.storage.put(thumbnailPath, d.thumbnail);
  const values = {
    authorityId: run.authorityId,
    runId: run.id,
    vintageId: run.vintageId!,
    mergeKey: d.mergeKey,
    footprint: { type: 'Polygon', coordinates: [ring] },
    bbox: boxLiteral([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)]),
    lon: centre[0],
    lat: centre[1],
    xL93: (minX + maxX) / 2,
    yL93: (minY + maxY) / 2,
    score: d.score,
    areaM2: (maxX - minX) * (maxY - minY),
    communeInsee: d.commune,
    change: d.change,
    firstSeenVintageId: d.firstSeenVintageId,
    previousDetectionId: d.previousDetectionId,
    thumbnailPath,
    assigneeId: null,
  };
  const { authorityId: _a, runId: _r, mergeKey: _m, ...updatable } = values;
  await deps.db
    .insertInto('dumpDetection')
    .values(values)
    .onConflict((oc) => oc.columns(['runId', 'mergeKey']).doUpdateSet({ ...updatable, updatedAt: new Date() }))
    .execute();
}

/** A small JPEG around the detection with its box drawn, for the review queue and the printable sheet. */
async function thumbnail(source: { uri: string; bands: number; bandNames: BandNames }, gt: GeoTransform, box: Bounds): Promise<Buffer> {
  const file = source.uri;
  const info = await describeGeoTiff(file);
  const [x1, y1] = mapToPixel(gt, box[0], box[3]);
  const [x2, y2] = mapToPixel(gt, box[2], box[1]);
  const side = Math.max(160, Math.ceil(Math.max(x2 - x1, y2 - y1) * 2));
  const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
  const left = Math.max(0, Math.min(info.width - side, Math.round(cx - side / 2)));
  const top = Math.max(0, Math.min(info.height - side, Math.round(cy - side / 2)));
  const width = Math.min(side, info.width - left), height = Math.min(side, info.height - top);
  const { image } = await openGeoTiff(file);
  // what the map shows: R, G, B of the file, whatever its other bands
  const rgb = (await readTiffWindow(image, [left, top, left + width, top + height], displaySamples(source.bandNames, source.bands))) as unknown as Uint8Array;
  const stroke = Math.max(2, Math.round(side / 100));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${x1 - left}" y="${y1 - top}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="#ff2d2d" stroke-width="${stroke}"/></svg>`;
  const framed = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
  return sharp(framed).resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside' }).jpeg({ quality: 82 }).toBuffer();
}

const pixelAt = (width: number, height: number, x: number, y: number) =>
  Math.min(height - 1, Math.max(0, Math.floor(y))) * width + Math.min(width - 1, Math.max(0, Math.floor(x)));
