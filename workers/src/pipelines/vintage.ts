import type { AppDeps } from '@vigie/api/http';
import { VigieError, errorMessage } from '@vigie/api/errors';
import type { Run } from '@vigie/api/runs';
import type { BandNames } from '../imagery/bands';
import { describeGeoTiff, openGeoTiff } from '../imagery/geotiff-source';
import { type ModelCard, bandIndices, rasterFromGeoTiff } from '../runtime';
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
  if (!source.bandNames) {
    throw new ChipInputError(`L’orthophoto ${source.uri} a ${source.bands} bandes sans nom : l’enregistrer à nouveau avec --bands (voir le README).`);
  }
  return { ...source, bandNames: source.bandNames as BandNames };
}

/** A run's orthophoto, its description, its area (null: the whole image) and that area's pixel window. */
export async function runGeometry(deps: AppDeps, run: Run) {
  const source = await vintageGeoTiff(deps, run);
  const info = await describeGeoTiff(source.uri);
  const area = await runArea(deps, run);
  return { source, info, area, window: areaWindow(area, info.geoTransform, info.width, info.height) };
}

/**
 * The keys of the model-sized chips covering a run's area, sharing `overlapPx` (at most a quarter chip), once
 * the orthophoto is known to have the bands the model reads.
 */
export async function planChips(deps: AppDeps, run: Run, card: ModelCard, overlapPx: number): Promise<string[]> {
  const { source, info, area, window } = await runGeometry(deps, run);
  try {
    // an RGB model on infrared colour imagery (NIR, R, G) is refused here, not chip by chip
    bandIndices(card, { bands: source.bandNames.filter((b) => b !== null) });
  } catch (error) {
    throw new ChipInputError(errorMessage(error));
  }
  const chipSize = card.input.width;
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
    return { chip, info, raster: await rasterFromGeoTiff(image, chip, source.bandNames) };
  } catch (error) {
    throw new ChipInputError(`Lecture de la tuile ${chipKey} impossible : ${errorMessage(error)}`);
  }
}
