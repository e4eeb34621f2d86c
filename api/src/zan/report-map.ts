import sharp from 'sharp';
import { type Bounds, EARTH_HALF_CIRCUMFERENCE, type Position, TILE_SIZE, tilesCovering, toWebMercator } from '../geo';
import type { Storage } from '../storage';
import { LANDCOVER_MAX_ZOOM, LANDCOVER_MIN_ZOOM } from '../contract';
import { currentLandcoverRun, landcoverTileKey } from './class-raster';

const MAP_PX = 640;

export interface MapPolygon {
  geometry: { type: string; coordinates: unknown };
  kind?: 'artificialisation' | 'renaturation';
}

/**
 * The commune's land cover of a vintage as a PNG (640 px on its longer side at most): classes in their
 * colours, the outside of the commune veiled, its boundary and the change polygons outlined. Drawn from the
 * map's tile pyramid, so a report reads a few tiles, never the whole class raster (2.5 billion pixels for
 * 100 km² at 0.20 m). Null before any run.
 */
export async function communeMapPng(storage: Storage, authorityId: number, vintageId: number, commune: MapPolygon, changes: readonly MapPolygon[]): Promise<Buffer | null> {
  const runId = await currentLandcoverRun(storage, authorityId, vintageId);
  if (!runId) return null;
  const outline = polygonsOf(commune.geometry).map((poly) => poly.map((ring) => ring.map(toWebMercator)));
  const all = outline.flat(2);
  if (all.length === 0) return null;
  const bounds: Bounds = [Math.min(...all.map((p) => p[0])), Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[0])), Math.max(...all.map((p) => p[1]))];
  const spanPx = (z: number) => (Math.max(bounds[2] - bounds[0], bounds[3] - bounds[1]) * TILE_SIZE * 2 ** z) / (2 * EARTH_HALF_CIRCUMFERENCE);
  // the coarsest zoom that still gives the map its full width (drawn, then reduced); a pyramid may stop
  // below that zoom, so step down to tiles that exist
  let z = LANDCOVER_MIN_ZOOM;
  while (z < LANDCOVER_MAX_ZOOM && spanPx(z) < MAP_PX) z++;
  let tiles: { left: number; top: number; png: Buffer }[] = [];
  for (; z >= LANDCOVER_MIN_ZOOM && tiles.length === 0; z--) tiles = await readTiles(storage, authorityId, vintageId, runId, bounds, z);
  if (tiles.length === 0) return null;
  const zoom = z + 1;
  const metresPerPx = (2 * EARTH_HALF_CIRCUMFERENCE) / (TILE_SIZE * 2 ** zoom);
  // pixels of this zoom's global grid, the image's origin on a whole pixel so that tiles land exactly
  const global = ([x, y]: Position): Position => [(x + EARTH_HALF_CIRCUMFERENCE) / metresPerPx, (EARTH_HALF_CIRCUMFERENCE - y) / metresPerPx];
  const [left0, top0] = global([bounds[0], bounds[3]]).map(Math.floor) as Position;
  const [right0, bottom0] = global([bounds[2], bounds[1]]).map(Math.ceil) as Position;
  const width = Math.max(1, right0 - left0), height = Math.max(1, bottom0 - top0);
  const scale = Math.min(1, MAP_PX / Math.max(width, height));
  const outWidth = Math.max(1, Math.round(width * scale)), outHeight = Math.max(1, Math.round(height * scale));
  const toPixel = (p: Position): Position => { const [x, y] = global(p); return [(x - left0) * scale, (y - top0) * scale]; };
  const path = (rings: Position[][]) => rings.map((ring) => `M${ring.map((p) => toPixel(p).map((v) => v.toFixed(1)).join(',')).join('L')}Z`).join('');
  const communePath = outline.map(path).join('');
  const changePaths = changes.map((c) => {
    const d = polygonsOf(c.geometry).map((poly) => path(poly.map((ring) => ring.map(toWebMercator)))).join('');
    return `<path d="${d}" fill="none" stroke="${c.kind === 'renaturation' ? '#00a651' : '#d7191c'}" stroke-width="2"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${outWidth}" height="${outHeight}">
    <path d="M0,0H${outWidth}V${outHeight}H0Z${communePath}" fill="#ffffff" fill-opacity="0.75" fill-rule="evenodd"/>
    ${changePaths.join('')}
    <path d="${communePath}" fill="none" stroke="#111111" stroke-width="2.5"/></svg>`;
  // sharp wants every overlay inside the canvas: each tile is cut to the commune's box
  const inside = await Promise.all(tiles.map(async (t) => {
    const left = t.left - left0, top = t.top - top0;
    const x0 = Math.max(0, -left), y0 = Math.max(0, -top);
    const w = Math.min(TILE_SIZE, width - left) - x0, h = Math.min(TILE_SIZE, height - top) - y0;
    if (w <= 0 || h <= 0) return null;
    const input = await sharp(t.png).extract({ left: x0, top: y0, width: w, height: h }).toBuffer();
    return { input, left: left + x0, top: top + y0 };
  }));
  const mosaic = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite(inside.filter((t) => t !== null))
    .png()
    .toBuffer();
  // nearest: class colours are not blended; the outlines are drawn after, at the final size
  const reduced = await sharp(mosaic).resize(outWidth, outHeight, { kernel: 'nearest' }).png().toBuffer();
  return sharp({ create: { width: outWidth, height: outHeight, channels: 3, background: '#ffffff' } })
    .composite([{ input: reduced }, { input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}

/** The stored tiles of one zoom over the box, with their top-left corner in that zoom's global pixels. */
async function readTiles(storage: Storage, authorityId: number, vintageId: number, runId: string, bounds: Bounds, z: number) {
  const found = await Promise.all(tilesCovering(bounds, z).map(async (t) => {
    const png = await storage.get(landcoverTileKey(authorityId, vintageId, runId, t.z, t.x, t.y));
    return png ? { left: t.x * TILE_SIZE, top: t.y * TILE_SIZE, png } : null;
  }));
  return found.filter((t) => t !== null);
}

function polygonsOf(geometry: { type: string; coordinates: unknown }): Position[][][] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as Position[][]];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as Position[][][];
  return [];
}
