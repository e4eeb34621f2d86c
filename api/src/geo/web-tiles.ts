import type { Bounds } from './geotransform';

/** Spherical Web Mercator (EPSG:3857) XYZ tiles, as maplibre requests them. */
export const EARTH_HALF_CIRCUMFERENCE = 20037508.342789244;
export const TILE_SIZE = 256;

export interface TileAddress { z: number; x: number; y: number }

/** Tile bounds in EPSG:3857 metres [minX, minY, maxX, maxY]. */
export function tileBounds({ z, x, y }: TileAddress): Bounds {
  const size = (2 * EARTH_HALF_CIRCUMFERENCE) / 2 ** z;
  const minX = -EARTH_HALF_CIRCUMFERENCE + x * size;
  const maxY = EARTH_HALF_CIRCUMFERENCE - y * size;
  return [minX, maxY - size, minX + size, maxY];
}

/** Tiles of zoom z that intersect a box in EPSG:3857 metres. */
export function tilesCovering(bounds: Bounds, z: number): TileAddress[] {
  const n = 2 ** z;
  const size = (2 * EARTH_HALF_CIRCUMFERENCE) / n;
  const clamp = (v: number) => Math.min(n - 1, Math.max(0, v));
  const x0 = clamp(Math.floor((bounds[0] + EARTH_HALF_CIRCUMFERENCE) / size));
  const x1 = clamp(Math.ceil((bounds[2] + EARTH_HALF_CIRCUMFERENCE) / size) - 1);
  const y0 = clamp(Math.floor((EARTH_HALF_CIRCUMFERENCE - bounds[3]) / size));
  const y1 = clamp(Math.ceil((EARTH_HALF_CIRCUMFERENCE - bounds[1]) / size) - 1);
  const tiles: TileAddress[] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) tiles.push({ z, x, y });
  return tiles;
}

/** Finest zoom whose pixels are not finer than the imagery's ground sample distance (at this latitude). */
export function nativeZoom(gsdM: number, latitude: number): number {
  const groundPerPixelZ0 = ((2 * EARTH_HALF_CIRCUMFERENCE) / TILE_SIZE) * Math.cos((latitude * Math.PI) / 180);
  return Math.max(0, Math.round(Math.log2(groundPerPixelZ0 / gsdM)));
}

export const tileKey = ({ z, x, y }: TileAddress) => `${z}/${x}/${y}`;

export function parseTileKey(key: string): TileAddress {
  const [z, x, y] = key.split('/').map(Number);
  if (![z, x, y].every((v) => Number.isInteger(v) && v! >= 0) || z! > 24 || x! >= 2 ** z! || y! >= 2 ** z!) {
    throw new Error(`Tuile invalide : ${key}`);
  }
  return { z: z!, x: x!, y: y! };
}
