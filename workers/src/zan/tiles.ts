import sharp from 'sharp';
import {
  LAMBERT93, WEB_MERCATOR, type Bounds, type TileAddress, TILE_SIZE, mapToPixel, nativeZoom, projector, rasterBounds, tileBounds,
  tilesCovering, toWgs84,
} from '@vigie/api/geo';
import { LANDCOVER_MAX_ZOOM, LANDCOVER_MIN_ZOOM } from '@vigie/api/contract';
import { type ClassRaster, type Nomenclature, NO_DATA } from '@vigie/api/zan';

/** Control points per tile side (the 3857 → L93 mapping is smooth; see the ortho tiles). */
const GRID = 9;

const mercatorToL93 = projector(WEB_MERCATOR, LAMBERT93);
const l93ToMercator = projector(LAMBERT93, WEB_MERCATOR);

/** RGBA per class id, transparent for no data and unknown classes. */
export function classPalette(nomenclature: Nomenclature, alpha = 255): Uint8Array {
  const palette = new Uint8Array(256 * 4);
  for (const c of nomenclature.classes) {
    palette.set([parseInt(c.color.slice(1, 3), 16), parseInt(c.color.slice(3, 5), 16), parseInt(c.color.slice(5, 7), 16), alpha], c.id * 4);
  }
  palette.fill(0, NO_DATA * 4, NO_DATA * 4 + 4);
  return palette;
}

/** Every tile of the pyramid covering the raster, from LANDCOVER_MIN_ZOOM to its native zoom (at most 18). */
export function landcoverTiles(raster: ClassRaster): TileAddress[] {
  const [minX, minY, maxX, maxY] = rasterBounds(raster.geoTransform, raster.width, raster.height);
  const corners = [[minX, minY], [maxX, maxY], [minX, maxY], [maxX, minY]].map((p) => l93ToMercator(p as [number, number]));
  const mercator: Bounds = [
    Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])),
    Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1])),
  ];
  const top = Math.min(LANDCOVER_MAX_ZOOM, nativeZoom(raster.geoTransform.pixelWidth, toWgs84([(minX + maxX) / 2, (minY + maxY) / 2])[1]));
  const tiles: TileAddress[] = [];
  for (let z = LANDCOVER_MIN_ZOOM; z <= top; z++) tiles.push(...tilesCovering(mercator, z));
  return tiles;
}

/** One 256 px PNG tile, each pixel the class at its centre (nearest: classes are not averaged). */
export async function renderLandcoverTile(raster: ClassRaster, palette: Uint8Array, tile: TileAddress): Promise<Buffer | null> {
  const [minX, minY, maxX, maxY] = tileBounds(tile);
  const control = new Float64Array(GRID * GRID * 2);
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const l93 = mercatorToL93([minX + ((maxX - minX) * i) / (GRID - 1), maxY - ((maxY - minY) * j) / (GRID - 1)]);
      const [col, row] = mapToPixel(raster.geoTransform, l93[0], l93[1]);
      control[(j * GRID + i) * 2] = col;
      control[(j * GRID + i) * 2 + 1] = row;
    }
  }
  const out = Buffer.alloc(TILE_SIZE * TILE_SIZE * 4);
  const cell = TILE_SIZE / (GRID - 1);
  let painted = 0;
  for (let py = 0; py < TILE_SIZE; py++) {
    const v = (py + 0.5) / cell;
    const gy = Math.min(GRID - 2, Math.floor(v));
    const fy = v - gy;
    for (let px = 0; px < TILE_SIZE; px++) {
      const u = (px + 0.5) / cell;
      const gx = Math.min(GRID - 2, Math.floor(u));
      const fx = u - gx;
      const a = (gy * GRID + gx) * 2, b = a + 2, c = a + GRID * 2, d = c + 2;
      const col = (1 - fy) * ((1 - fx) * control[a]! + fx * control[b]!) + fy * ((1 - fx) * control[c]! + fx * control[d]!);
      const row = (1 - fy) * ((1 - fx) * control[a + 1]! + fx * control[b + 1]!) + fy * ((1 - fx) * control[c + 1]! + fx * control[d + 1]!);
      if (col < 0 || row < 0 || col >= raster.width || row >= raster.height) continue;
      const cls = raster.classes[Math.floor(row) * raster.width + Math.floor(col)]!;
      const o = (py * TILE_SIZE + px) * 4;
      out[o] = palette[cls * 4]!; out[o + 1] = palette[cls * 4 + 1]!; out[o + 2] = palette[cls * 4 + 2]!; out[o + 3] = palette[cls * 4 + 3]!;
      if (out[o + 3]) painted++;
    }
  }
  if (painted === 0) return null;
  return sharp(out, { raw: { width: TILE_SIZE, height: TILE_SIZE, channels: 4 } }).png({ palette: true, dither: 0, compressionLevel: 9, effort: 3 }).toBuffer();
}
