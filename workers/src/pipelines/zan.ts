import os from 'node:os';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import type { AppDeps } from '@vigie/api/http';
import type { Config } from '@vigie/api/config';
import { type GeoTransform, rasterBounds, windowGeoTransform } from '@vigie/api/geo';
import type { Run } from '@vigie/api/runs';
import {
  type ClassRaster, type Nomenclature, Nomenclature as NomenclatureSchema, NO_DATA, classLookup, classRasterHeader, currentLandcoverRun, landcoverTileKey, loadClassRaster, saveClassRaster,
} from '@vigie/api/zan';
import { boxLiteral } from '../imagery/register';
import { mosaicChipClassMaps, type ChipClassMap, type ModelCard } from '../runtime';
import {
  type AnalysedVintage, artificialisedMask, classPalette, communeClassAreas, compareVintages, defaultNomenclature, landcoverTiles, mergeClassRasters, pixelAreaM2,
  rasterisePolygons, renderLandcoverTile,
} from '../zan';
import { type AreaFeature, communesOf, parseChipKey } from './area';
import { modelFor } from './models';
import { ChipInputError, type Pipeline } from './pipeline';
import { planChips, readRunChip, runGeometry, vintageGeoTiff } from './vintage';

export const DEFAULT_ZAN_MODEL = 'landcover-segmenter';
/** Chips share 64 px (12.8 m): the mosaic takes each pixel from the chip where it is farthest from a cut. */
const OVERLAP_PX = 64;
/** Change regions under this area are counted in the flows, not drawn as polygons to review. */
export const MIN_CHANGE_M2 = 100;

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
const modelIdOf = (run: Run) => run.modelId ?? DEFAULT_ZAN_MODEL;
const chipMapKey = (run: Run, chipKey: string) => `zan/${run.authorityId}/runs/${run.id}/${chipKey}.bin`;

/**
 * Land cover for ZAN: segment every chip, mosaic seam-free into one class raster per vintage, apply the
 * nomenclature (with its thresholds), sum areas per commune, compare with the other analysed vintages
 * (flows per class transition, change polygons to review), and render the map's tile pyramid.
 */
export const zanPipeline: Pipeline = {
  async plan(deps, run) {
    const model = await modelFor(deps, modelIdOf(run));
    if (model.card.task !== 'segmentation') throw new ChipInputError(`Le modèle « ${model.card.id} » n’est pas un modèle de segmentation.`);
    const source = await vintageGeoTiff(deps, run);
    if (source.epsg !== 2154) throw new ChipInputError(`Occupation du sol en EPSG:${source.epsg} non prise en charge : orthophoto en Lambert-93 attendue.`);
    await checkMapFitsMemory(deps, run);
    return planChips(deps, run, model.card, OVERLAP_PX);
  },

  async processChip(deps, run, chipKey) {
    const model = await modelFor(deps, modelIdOf(run));
    const { raster } = await readRunChip(deps, run, chipKey);
    const map = await model.segment(raster);
    // pixels outside the imagery (alpha 0, no-data value) are not land cover: kept out of every area
    if (raster.valid) for (let p = 0; p < map.classes.length; p++) if (raster.valid[p] === 0) map.classes[p] = NO_DATA;
    // overwritten, never appended: a retried chip leaves the same file
    await deps.storage.put(chipMapKey(run, chipKey), await deflateAsync(map.classes, { level: 3 }));
    return 1;
  },

  async finalise(deps, run) {
    const model = await modelFor(deps, modelIdOf(run));
    const raster = await vintageClassRaster(deps, run);
    if (!raster) return;
    await saveClassRaster(deps.storage, run.authorityId, raster);
    const gt = raster.geoTransform;

    const nomenclature = await nomenclatureOf(deps, run.authorityId, model.card);
    const lookup = classLookup(nomenclature);
    const current: AnalysedVintage = { raster, artificialised: artificialisedMask(raster, nomenclature, pixelAreaM2(gt), lookup) };
    const communes = (await communesOf(deps, run.authorityId)).filter((c) => run.communeInsees.length === 0 || run.communeInsees.includes(c.properties!.insee as string));
    const insees = communes.map((c) => c.properties!.insee as string);
    const communeLabels = rasterisePolygons(communes, raster.geoTransform, raster.width, raster.height);
    await saveCommuneAreas(deps, run, insees, communeClassAreas(raster.classes, current.artificialised, communeLabels, insees.length, pixelAreaM2(gt)));
    await compareWithOtherVintages(deps, run, current, nomenclature, communeLabels, insees);
    await renderTiles(deps, run, raster, nomenclature);
    await deps.storage.removePrefix(`zan/${run.authorityId}/runs/${run.id}`);
  },
};

/**
 * Bytes per pixel of the vintage's map that a finalise holds at its peak, while it compares with another
 * vintage: both maps and their artificialised masks, the commune labels (2), the change kinds, the earlier
 * classes, the region bookkeeping, and the earlier steps' arrays not yet collected. Measured over the 1 km demo
 * territory's three vintages (25 Mpx): 478 MiB of array buffers at the peak, 19 B/px.
 */
export const FINALISE_BYTES_PER_PIXEL = 20;
/** Node, the model sessions and the rest of the worker. */
const WORKER_BASE_BYTES = 2 ** 30;

/** What one worker may give a finalise: VIGIE_WORKER_MEMORY_MB, or three quarters of its machine's (or container's) memory. */
export function workerMemoryBytes(config: Config): number {
  if (config.workerMemoryMb) return config.workerMemoryMb * 2 ** 20;
  return 0.75 * Math.min(os.totalmem(), process.constrainedMemory() || Infinity);
}

/**
 * The vintage's map is assembled whole in one worker's memory (a run over some communes is laid over the
 * earlier map): an area too large for it is refused before any chip is analysed, not after hours of work.
 */
async function checkMapFitsMemory(deps: AppDeps, run: Run) {
  const { info, area, window } = await runGeometry(deps, run);
  const gt = info.geoTransform;
  let bounds = rasterBounds(windowGeoTransform(gt, window), window.width, window.height);
  const earlier = area ? await classRasterHeader(deps.storage, run.authorityId, run.vintageId!) : undefined;
  if (earlier && Math.abs(earlier.geoTransform.pixelWidth - gt.pixelWidth) < 1e-6) {
    const [x0, y0, x1, y1] = rasterBounds(earlier.geoTransform, earlier.width, earlier.height);
    bounds = [Math.min(bounds[0], x0), Math.min(bounds[1], y0), Math.max(bounds[2], x1), Math.max(bounds[3], y1)];
  }
  const areaM2 = (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]);
  const pixels = areaM2 / pixelAreaM2(gt);
  const needed = WORKER_BASE_BYTES + pixels * FINALISE_BYTES_PER_PIXEL;
  const budget = workerMemoryBytes(deps.config);
  if (needed <= budget) return;
  const gb = (bytes: number) => (bytes / 2 ** 30).toLocaleString('fr-FR', { maximumFractionDigits: 2 });
  throw new ChipInputError(
    `Zone trop vaste pour une carte d’occupation du sol : ${(areaM2 / 1e6).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} km² ` +
      `à ${gt.pixelWidth.toLocaleString('fr-FR')} m par pixel (${Math.round(pixels / 1e6).toLocaleString('fr-FR')} Mpx) demandent environ ${gb(needed)} Go ` +
      `au worker qui assemble la carte du millésime ; il dispose de ${gb(budget)} Go (VIGIE_WORKER_MEMORY_MB). ` +
      'Donner plus de mémoire aux workers (README, « Passer à l’échelle ») : analyser moins de communes à la fois n’y change rien, la carte du millésime est assemblée en entier.',
  );
}

/**
 * The vintage's class raster after this run: the chip maps mosaicked over the run's window, outside its area
 * masked, laid over the earlier map when the run covered only some communes. Undefined when an earlier
 * finalise of this run already did it. The chip maps go out of scope here, before the comparisons need memory.
 */
async function vintageClassRaster(deps: AppDeps, run: Run): Promise<ClassRaster | undefined> {
  const { info, area, window } = await runGeometry(deps, run);
  const chips = await deps.db.selectFrom('runChip').select('chipKey').where('runId', '=', run.id).where('status', '=', 'done').execute();
  const maps: ChipClassMap[] = [];
  for (const { chipKey } of chips) {
    const bytes = await deps.storage.get(chipMapKey(run, chipKey));
    if (!bytes) continue;
    const chip = parseChipKey(chipKey);
    const classes = await inflateAsync(bytes);
    maps.push({ chip, map: { classes: new Uint8Array(classes.buffer, classes.byteOffset, classes.byteLength), width: chip.width, height: chip.height } });
  }
  if (maps.length < chips.length) {
    // a concurrent or earlier finalise of this run already mosaicked and cleared the chip maps
    if ((await currentLandcoverRun(deps.storage, run.authorityId, run.vintageId!)) === run.id) return undefined;
    throw new ChipInputError(`Cartes de ${chips.length - maps.length} tuiles introuvables : relancer l’analyse.`);
  }
  const mosaic = mosaicChipClassMaps(maps, window);
  const gt = windowGeoTransform(info.geoTransform, window);
  if (area) maskOutside(mosaic.classes, area, gt, window.width, window.height);
  const analysed: ClassRaster = { classes: mosaic.classes, width: window.width, height: window.height, geoTransform: gt, vintageId: run.vintageId!, runId: run.id };
  // a run over some communes keeps the rest of the vintage's map (its tiles, later comparisons)
  return area ? mergeClassRasters(await loadClassRaster(deps.storage, run.authorityId, run.vintageId!), analysed) : analysed;
}

function maskOutside(classes: Uint8Array, area: AreaFeature[], gt: GeoTransform, width: number, height: number) {
  const inside = rasterisePolygons(area, gt, width, height);
  for (let p = 0; p < classes.length; p++) if (inside[p] === 0) classes[p] = NO_DATA;
}

/** The authority's nomenclature; the model's default is recorded on first use so that it can be edited. */
export async function nomenclatureOf(deps: AppDeps, authorityId: number, card: ModelCard): Promise<Nomenclature> {
  const row = await deps.db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirst();
  if (row) return NomenclatureSchema.parse(row.nomenclature);
  const nomenclature = defaultNomenclature(card);
  await deps.db
    .insertInto('zanSetting')
    .values({ authorityId, nomenclature: nomenclature as unknown as Record<string, unknown>, updatedAt: new Date() })
    .onConflict((oc) => oc.column('authorityId').doNothing())
    .execute();
  return nomenclature;
}

async function saveCommuneAreas(deps: AppDeps, run: Run, insees: string[], areas: ReturnType<typeof communeClassAreas>) {
  await deps.db.transaction().execute(async (trx) => {
    if (insees.length > 0) {
      await trx.deleteFrom('landcoverStat').where('authorityId', '=', run.authorityId).where('vintageId', '=', run.vintageId!).where('communeInsee', 'in', insees).execute();
    }
    if (areas.length === 0) return;
    await trx
      .insertInto('landcoverStat')
      .values(areas.map((a) => ({
        authorityId: run.authorityId, vintageId: run.vintageId!, communeInsee: insees[a.commune]!, classId: a.classId,
        areaM2: a.areaM2, artificialisedM2: a.artificialisedM2, runId: run.id,
      })))
      .execute();
  });
}

/**
 * Flows against every other analysed vintage of the authority; change polygons only against the
 * neighbouring ones (the previous and the next analysed vintage), which is what a reviewer checks.
 * The other vintages' maps are loaded one at a time: memory holds two maps, whatever the number of vintages.
 */
async function compareWithOtherVintages(deps: AppDeps, run: Run, current: AnalysedVintage, nomenclature: Nomenclature, communeLabels: Uint16Array, insees: string[]) {
  const vintages = await deps.db.selectFrom('vintage').select(['id', 'year']).where('authorityId', '=', run.authorityId).orderBy('year').execute();
  const me = vintages.find((v) => v.id === run.vintageId)!;
  const lookup = classLookup(nomenclature);
  const others = [];
  for (const v of vintages) if (v.id !== me.id && (await currentLandcoverRun(deps.storage, run.authorityId, v.id))) others.push(v);
  const previous = others.filter((o) => o.year < me.year).at(-1);
  const next = others.find((o) => o.year > me.year);
  for (const other of others) {
    const raster = await loadClassRaster(deps.storage, run.authorityId, other.id);
    if (!raster) continue;
    const analysed: AnalysedVintage = { raster, artificialised: artificialisedMask(raster, nomenclature, pixelAreaM2(raster.geoTransform), lookup) };
    const [earlier, later] = other.year < me.year ? [{ ...other, analysed }, { ...me, analysed: current }] : [{ ...me, analysed: current }, { ...other, analysed }];
    // flows are counted on the later grid's commune labels
    const labels = later.id === me.id ? communeLabels : rasterisePolygons(await communesFeatures(deps, run, insees), raster.geoTransform, raster.width, raster.height);
    const polygons = other === previous || other === next;
    let result;
    try {
      result = compareVintages(earlier.analysed, later.analysed, { communeLabels: labels, minChangeM2: MIN_CHANGE_M2, lookup, polygons });
    } catch (error) {
      throw new ChipInputError(`Comparaison ${earlier.year} → ${later.year} impossible : ${(error as Error).message}`);
    }
    await saveFlows(deps, run.authorityId, earlier.id, later.id, insees, result.flows);
    if (polygons) await saveChanges(deps, run.authorityId, earlier.id, later.id, insees, result.changes);
  }
}

async function communesFeatures(deps: AppDeps, run: Run, insees: string[]) {
  return (await communesOf(deps, run.authorityId)).filter((c) => insees.includes(c.properties!.insee as string));
}

async function saveFlows(deps: AppDeps, authorityId: number, fromVintageId: number, toVintageId: number, insees: string[], flows: ReturnType<typeof compareVintages>['flows']) {
  await deps.db.transaction().execute(async (trx) => {
    if (insees.length > 0) {
      await trx.deleteFrom('landFlow').where('authorityId', '=', authorityId).where('fromVintageId', '=', fromVintageId).where('toVintageId', '=', toVintageId).where('communeInsee', 'in', insees).execute();
    }
    for (let i = 0; i < flows.length; i += 1000) {
      await trx
        .insertInto('landFlow')
        .values(flows.slice(i, i + 1000).map((f) => ({
          authorityId, fromVintageId, toVintageId, communeInsee: insees[f.commune]!, fromClass: f.fromClass, toClass: f.toClass,
          areaM2: f.areaM2, artificialisedM2: f.artificialisedM2, renaturedM2: f.renaturedM2,
        })))
        .execute();
    }
  });
}

/** Upserts on a key from the region's kind and centroid: a re-run keeps reviews; unreviewed stale polygons go. */
async function saveChanges(deps: AppDeps, authorityId: number, fromVintageId: number, toVintageId: number, insees: string[], changes: ReturnType<typeof compareVintages>['changes']) {
  const keys: string[] = [];
  for (const change of changes) {
    const changeKey = `${change.kind === 'artificialisation' ? 'a' : 'r'}_${Math.round(change.centroid[0])}_${Math.round(change.centroid[1])}`;
    keys.push(changeKey);
    const ring = change.geometry.coordinates[0]!;
    const lons = ring.map((p) => p[0]!), lats = ring.map((p) => p[1]!);
    const values = {
      authorityId, fromVintageId, toVintageId, changeKey,
      communeInsee: change.commune === null ? null : insees[change.commune]!,
      kind: change.kind, fromClass: change.fromClass, toClass: change.toClass,
      geometry: change.geometry as unknown as { type: string; coordinates: unknown },
      bbox: boxLiteral([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)]),
      areaM2: change.areaM2,
    };
    const { authorityId: _a, fromVintageId: _f, toVintageId: _t, changeKey: _k, ...updatable } = values;
    await deps.db
      .insertInto('landChange')
      .values(values)
      .onConflict((oc) => oc.columns(['authorityId', 'fromVintageId', 'toVintageId', 'changeKey']).doUpdateSet(updatable))
      .execute();
  }
  let stale = deps.db.deleteFrom('landChange').where('authorityId', '=', authorityId).where('fromVintageId', '=', fromVintageId).where('toVintageId', '=', toVintageId).where('review', '=', 'a_verifier');
  if (insees.length > 0) stale = stale.where((eb) => eb.or([eb('communeInsee', 'in', insees), eb('communeInsee', 'is', null)]));
  if (keys.length > 0) stale = stale.where('changeKey', 'not in', keys);
  await stale.execute();
}

/**
 * Tiles go under the run's id (the route serves the run whose raster is current), so that two finalises of
 * one run write the same files and a new run never mixes with the tiles of the previous one; those go after.
 */
async function renderTiles(deps: AppDeps, run: Run, raster: ClassRaster, nomenclature: Nomenclature) {
  const palette = classPalette(nomenclature);
  for (const tile of landcoverTiles(raster)) {
    const png = await renderLandcoverTile(raster, palette, tile);
    if (png) await deps.storage.put(landcoverTileKey(run.authorityId, run.vintageId!, run.id, tile.z, tile.x, tile.y), png);
  }
  const earlier = await deps.db.selectFrom('run').select('id').where('authorityId', '=', run.authorityId).where('vintageId', '=', run.vintageId!).where('useCase', '=', 'zan').where('id', '!=', run.id).execute();
  for (const other of earlier) await deps.storage.removePrefix(`tiles/zan/${run.authorityId}/${run.vintageId}/${other.id}`);
}

