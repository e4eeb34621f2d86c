import { booleanIntersects, booleanPointInPolygon, polygon as turfPolygon } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { AppDeps } from '@vigie/api/http';
import { VigieError } from '@vigie/api/errors';
import { type Bounds, type Chip, type GeoTransform, type Position, chipGrid, mapToPixel, pixelToMap, toLambert93, toWgs84 } from '@vigie/api/geo';
import type { Run } from '@vigie/api/runs';
import { ChipInputError } from './pipeline';

export type AreaFeature = Feature<Polygon | MultiPolygon>;

/** The analysed area of a run as WGS84 polygons: its drawn polygon, its communes, or null for the whole image. */
export async function runArea(deps: AppDeps, run: Run): Promise<AreaFeature[] | null> {
  if (run.area) return [{ type: 'Feature', properties: {}, geometry: run.area as unknown as Polygon }];
  if (run.communeInsees.length === 0) return null;
  const communes = await deps.db
    .selectFrom('commune')
    .select(['insee', 'geometry'])
    .where('authorityId', '=', run.authorityId)
    .where('insee', 'in', run.communeInsees)
    .orderBy('insee')
    .execute();
  if (communes.length !== run.communeInsees.length) throw new ChipInputError('Commune inconnue dans la zone demandée.');
  return communes.map((c) => ({ type: 'Feature', properties: { insee: c.insee }, geometry: c.geometry as unknown as Polygon | MultiPolygon }));
}

/** The authority's communes, for attaching each result to the commune it lies in. */
export async function communesOf(deps: AppDeps, authorityId: number): Promise<AreaFeature[]> {
  // in a fixed order, as the database gives none: where communes overlap, rasterisePolygons gives a pixel to the last
  // one and communeAt a point to the first
  const rows = await deps.db.selectFrom('commune').select(['insee', 'name', 'geometry']).where('authorityId', '=', authorityId).orderBy('insee').execute();
  return rows.map((c) => ({ type: 'Feature', properties: { insee: c.insee, name: c.name }, geometry: c.geometry as unknown as Polygon | MultiPolygon }));
}

export function communeAt(communes: AreaFeature[], lonLat: Position): string | null {
  const hit = communes.find((c) => booleanPointInPolygon(lonLat, c));
  return (hit?.properties?.insee as string | undefined) ?? null;
}

export function insideArea(area: AreaFeature[] | null, lonLat: Position): boolean {
  return !area || area.some((a) => booleanPointInPolygon(lonLat, a));
}

/** Raster pixel window covering the area (or the whole raster), clipped to the raster. */
export function areaWindow(area: AreaFeature[] | null, gt: GeoTransform, width: number, height: number) {
  if (!area) return { x: 0, y: 0, width, height };
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const feature of area) {
    const rings = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates : feature.geometry.coordinates.flat();
    for (const ring of rings) {
      for (const p of ring) {
        const [col, row] = mapToPixel(gt, ...toLambert93(p as Position));
        x0 = Math.min(x0, col); y0 = Math.min(y0, row); x1 = Math.max(x1, col); y1 = Math.max(y1, row);
      }
    }
  }
  const x = Math.max(0, Math.floor(x0)), y = Math.max(0, Math.floor(y0));
  const right = Math.min(width, Math.ceil(x1)), bottom = Math.min(height, Math.ceil(y1));
  if (right <= x || bottom <= y) throw new ChipInputError('La zone demandée est en dehors de l’orthophoto du millésime.');
  return { x, y, width: right - x, height: bottom - y };
}

/** Chips of the window that touch the area. */
export function chipsInArea(area: AreaFeature[] | null, gt: GeoTransform, window: { x: number; y: number; width: number; height: number }, chipSize: number, overlap: number): Chip[] {
  const chips = chipGrid({ ...window, chipSize, overlap });
  if (!area) return chips;
  return chips.filter((chip) => {
    const ring = [[chip.x, chip.y], [chip.x + chip.width, chip.y], [chip.x + chip.width, chip.y + chip.height], [chip.x, chip.y + chip.height], [chip.x, chip.y]]
      .map(([c, r]) => toWgs84(pixelToMap(gt, c!, r!)));
    const footprint = turfPolygon([ring]);
    return area.some((a) => booleanIntersects(footprint, a));
  });
}

export const chipKeyOf = (chip: Chip) => `${chip.x}_${chip.y}_${chip.width}_${chip.height}`;

export function parseChipKey(key: string): Chip {
  const [x, y, width, height] = key.split('_').map(Number);
  if (![x, y, width, height].every((v) => Number.isInteger(v) && v! >= 0) || !width || !height) {
    throw new VigieError('invalid_chip', `Tuile invalide : ${key}`);
  }
  return { col: 0, row: 0, x: x!, y: y!, width, height };
}

/** Lambert-93 box of a pixel box. */
export function pixelBoxToL93(gt: GeoTransform, x1: number, y1: number, x2: number, y2: number): Bounds {
  const [minX, maxY] = pixelToMap(gt, x1, y1);
  const [maxX, minY] = pixelToMap(gt, x2, y2);
  return [minX, minY, maxX, maxY];
}
