import type { AppDeps } from '@vigie/api/http';
import { VigieError, errorMessage } from '@vigie/api/errors';
import type { Run } from '@vigie/api/runs';
import { describeGeoTiff, openGeoTiff } from '../imagery/geotiff-source';
import { rasterFromGeoTiff } from '../runtime';
import { areaWindow, chipKeyOf, chipsInArea, parseChipKey, runArea } from './area';
import { ChipInputError } from './pipeline';

/** The GeoTIFF registered for a run's vintage. */
export async function vintageGeoTiff(deps: AppDeps, run: Run) {
  if (!run.vintageId) throw new VigieError('no_vintage', 'Analyse sans millésime.');
  const source = await deps.db
    .selectFrom('imagerySource')
    .selectAll()
    .where('vintageId', '=', run.vintageId)
    .where('kind', '=', 'geotiff')
    .orderBy('id')
    .executeTakeFirst();
  if (!source) throw new ChipInputError('Aucune orthophoto GeoTIFF enregistrée pour ce millésime.');
  return source;
}

/** A run's orthophoto, its description, its area (null: the whole image) and that area's pixel window. */
export async function runGeometry(deps: AppDeps, run: Run) {
  const source = await vintageGeoTiff(deps, run);
  const info = await describeGeoTiff(source.uri);
  const area = await runArea(deps, run);
  return { source, info, area, window: areaWindow(area, info.geoTransform, info.width, info.height) };
}

/** The keys of the model-sized chips covering a run's area, sharing `overlapPx` (at most a quarter chip). */
export async function planChips(deps: AppDeps, run: Run, chipSize: number, overlapPx: number): Promise<string[]> {
  const { info, area, window } = await runGeometry(deps, run);
  return chipsInArea(area, info.geoTransform, window, chipSize, Math.min(overlapPx, chipSize / 4)).map(chipKeyOf);
}

/** One chip of a run's orthophoto, read by window; a chip outside the image or unreadable fails that chip only. */
export async function readRunChip(deps: AppDeps, run: Run, chipKey: string) {
  const source = await vintageGeoTiff(deps, run);
  const info = await describeGeoTiff(source.uri);
  const chip = parseChipKey(chipKey);
  if (chip.x + chip.width > info.width || chip.y + chip.height > info.height) throw new ChipInputError(`Tuile ${chipKey} hors de l’image.`);
  const { image } = await openGeoTiff(source.uri);
  try {
    return { chip, info, raster: await rasterFromGeoTiff(image, chip) };
  } catch (error) {
    throw new ChipInputError(`Lecture de la tuile ${chipKey} impossible : ${errorMessage(error)}`);
  }
}
