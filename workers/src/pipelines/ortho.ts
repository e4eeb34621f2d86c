import sharp, { type OverlayOptions } from 'sharp';
import {
  LAMBERT93, WEB_MERCATOR, type Bounds, type TileAddress, mapToPixel, nativeZoom, parseTileKey, projector, tileBounds, tileKey,
  displaySamples, tilesCovering, toWgs84, TILE_SIZE,
} from '@vigie/api/geo';
import { describeGeoTiff, openGeoTiff } from '../imagery/geotiff-source';
import { errorMessage } from '@vigie/api/errors';
import { type RasterImage, rasterFromGeoTiff } from '../runtime';
import { ChipInputError, type Pipeline } from './pipeline';
import { vintageGeoTiff } from './vintage';

/** Lowest zoom of the pyramid: a whole commune on one screen. */
const MIN_ZOOM = 12;
/** Control points per tile side: the 3857 -> L93 mapping is smooth, a 9 x 9 grid is exact to the centimetre. */
const GRID = 9;

export const orthoTileKey = (authorityId: number, vintageId: number, t: TileAddress) =>
  `tiles/ortho/${authorityId}/${vintageId}/${t.z}/${t.x}/${t.y}.webp`;

const mercatorToL93 = projector(WEB_MERCATOR, LAMBERT93);
const l93ToMercator = projector(LAMBERT93, WEB_MERCATOR);

/** Renders the vintage's orthophoto as a Web Mercator tile pyramid (WebP with alpha) for the map. */
export const orthoPipeline: Pipeline = {
  async plan(deps, run) {
    const source = await vintageGeoTiff(deps, run);
    if (source.epsg !== 2154) throw new ChipInputError(`Tuilage des orthophotos en EPSG:${source.epsg} non pris en charge.`);
    const [minX, minY, maxX, maxY] = source.bounds;
    const corners = [[minX, minY], [maxX, maxY], [minX, maxY], [maxX, minY]].map((p) => l93ToMercator(p as [number, number]));
    const mercator: Bounds = [
      Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])),
      Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1])),
    ];
    const zoom = nativeZoom(source.gsdM, toWgs84([(minX + maxX) / 2, (minY + maxY) / 2])[1]);
    return tilesCovering(mercator, zoom).map(tileKey);
  },

  async processChip(deps, run, chipKey) {
    const source = await vintageGeoTiff(deps, run);
    const tile = parseTileKey(chipKey);
    const info = await describeGeoTiff(source.uri);
    const [minX, minY, maxX, maxY] = tileBounds(tile);
    // source pixel position of each control point
    const control = new Float64Array(GRID * GRID * 2);
    for (let j = 0; j < GRID; j++) {
      for (let i = 0; i < GRID; i++) {
        const l93 = mercatorToL93([minX + ((maxX - minX) * i) / (GRID - 1), maxY - ((maxY - minY) * j) / (GRID - 1)]);
        const [col, row] = mapToPixel(info.geoTransform, l93[0], l93[1]);
        control[(j * GRID + i) * 2] = col;
        control[(j * GRID + i) * 2 + 1] = row;
      }
    }
    let c0 = Infinity, r0 = Infinity, c1 = -Infinity, r1 = -Infinity;
    for (let k = 0; k < control.length; k += 2) {
      c0 = Math.min(c0, control[k]!); c1 = Math.max(c1, control[k]!);
      r0 = Math.min(r0, control[k + 1]!); r1 = Math.max(r1, control[k + 1]!);
    }
    const wx = Math.max(0, Math.floor(c0)), wy = Math.max(0, Math.floor(r0));
    const wx1 = Math.min(info.width, Math.ceil(c1) + 1), wy1 = Math.min(info.height, Math.ceil(r1) + 1);
    if (wx1 <= wx || wy1 <= wy) return 0;
    const { image } = await openGeoTiff(source.uri);
    // the chips' reader: named bands, and the pixels without imagery (alpha 0, no-data) left transparent
    let raster: RasterImage;
    try {
      raster = await rasterFromGeoTiff(image, { x: wx, y: wy, width: wx1 - wx, height: wy1 - wy }, source.bandNames);
    } catch (error) {
      throw new ChipInputError(`Lecture de l’orthophoto impossible (tuile ${chipKey}) : ${errorMessage(error)}`);
    }
    const window = raster.data, channels = raster.bands.length, valid = raster.valid;
    const [cr, cg, cb] = displaySamples(raster.bands, channels);
    const ww = wx1 - wx;
    const out = Buffer.alloc(TILE_SIZE * TILE_SIZE * 4);
    const cell = (TILE_SIZE - 1) / (GRID - 1);
    for (let py = 0; py < TILE_SIZE; py++) {
      const gy = Math.min(GRID - 2, Math.floor(py / cell));
      const fy = py / cell - gy;
      for (let px = 0; px < TILE_SIZE; px++) {
        const gx = Math.min(GRID - 2, Math.floor(px / cell));
        const fx = px / cell - gx;
        const a = (gy * GRID + gx) * 2, b = a + 2, c = a + GRID * 2, d = c + 2;
        const col = (1 - fy) * ((1 - fx) * control[a]! + fx * control[b]!) + fy * ((1 - fx) * control[c]! + fx * control[d]!);
        const row = (1 - fy) * ((1 - fx) * control[a + 1]! + fx * control[b + 1]!) + fy * ((1 - fx) * control[c + 1]! + fx * control[d + 1]!);
        const sc = Math.floor(col) - wx, sr = Math.floor(row) - wy;
        if (col < 0 || row < 0 || col >= info.width || row >= info.height || sc < 0 || sr < 0 || sc >= ww || sr >= wy1 - wy) continue;
        const p = sr * ww + sc, s = p * channels, o = (py * TILE_SIZE + px) * 4;
        out[o] = window[s + cr]!; out[o + 1] = window[s + cg]!; out[o + 2] = window[s + cb]!;
        out[o + 3] = valid && valid[p] === 0 ? 0 : 255;
      }
    }
    const webp = await sharp(out, { raw: { width: TILE_SIZE, height: TILE_SIZE, channels: 4 } }).webp({ quality: 82 }).toBuffer();
    await deps.storage.put(orthoTileKey(run.authorityId, run.vintageId!, tile), webp);
    return 1;
  },

  /** Lower zooms from their four children, down to MIN_ZOOM. */
  async finalise(deps, run) {
    const chips = await deps.db.selectFrom('runChip').select('chipKey').where('runId', '=', run.id).where('status', '=', 'done').execute();
    let level = chips.map((c) => parseTileKey(c.chipKey));
    while (level.length > 0 && level[0]!.z > MIN_ZOOM) {
      const parents = new Map<string, TileAddress>();
      for (const t of level) {
        const p = { z: t.z - 1, x: t.x >> 1, y: t.y >> 1 };
        parents.set(tileKey(p), p);
      }
      for (const parent of parents.values()) {
        const composites: OverlayOptions[] = [];
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
          const child = await deps.storage.get(orthoTileKey(run.authorityId, run.vintageId!, { z: parent.z + 1, x: parent.x * 2 + dx, y: parent.y * 2 + dy }));
          if (child) composites.push({ input: child, left: dx * TILE_SIZE, top: dy * TILE_SIZE });
        }
        const merged = await sharp({ create: { width: TILE_SIZE * 2, height: TILE_SIZE * 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
          .composite(composites)
          .png()
          .toBuffer();
        const webp = await sharp(merged).resize(TILE_SIZE, TILE_SIZE).webp({ quality: 82 }).toBuffer();
        await deps.storage.put(orthoTileKey(run.authorityId, run.vintageId!, parent), webp);
      }
      level = [...parents.values()];
    }
  },
};
