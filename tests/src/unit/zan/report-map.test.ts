import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { type GeoTransform, type Position, pixelToMap, toWgs84 } from '@vigie/api/geo';
import { fileStorage } from '@vigie/api/storage';
import { type ClassRaster, communeMapPng, landcoverTileKey, saveClassRaster } from '@vigie/api/zan';
import { classPalette, landcoverTiles, renderLandcoverTile } from '@vigie/workers/zan';
import { BUILT, FIELD, nomenclature } from '../../support/nomenclature';

describe('report map of a commune', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-report-map-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is drawn from the tile pyramid alone, classes in their colours and the outside veiled', async () => {
    const storage = fileStorage(root);
    // 600 m square of the Vexin at 1 m: built to the west, fields to the east
    const gt: GeoTransform = { originX: 620_000, originY: 6_891_000, pixelWidth: 1, pixelHeight: 1 };
    const size = 600;
    const classes = new Uint8Array(size * size).fill(BUILT);
    for (let row = 0; row < size; row++) classes.fill(FIELD, row * size + size / 2, (row + 1) * size);
    const raster: ClassRaster = { classes, width: size, height: size, geoTransform: gt, vintageId: 7, runId: 'run-a' };
    await saveClassRaster(storage, 1, raster);
    const palette = classPalette(nomenclature);
    for (const tile of landcoverTiles(raster)) {
      const png = await renderLandcoverTile(raster, palette, tile);
      if (png) await storage.put(landcoverTileKey(1, 7, 'run-a', tile.z, tile.x, tile.y), png);
    }
    // the map never needs the class raster itself: only its header says which run is current
    fs.rmSync(path.join(root, 'zan', '1', '7', 'classes.bin'));

    // a triangular commune over both halves: its bounding box has an outside corner to the south-east
    const at = (col: number, row: number): Position => toWgs84(pixelToMap(gt, col, row));
    const commune = { geometry: { type: 'Polygon', coordinates: [[at(100, 100), at(500, 100), at(100, 500), at(100, 100)]] } };
    const png = await communeMapPng(storage, 1, 7, commune, []);
    expect(png).not.toBeNull();
    const { data, info } = await sharp(png!).raw().toBuffer({ resolveWithObject: true });
    // 1 m pixels: the pyramid stops at zoom 17, where this commune spans 520 px (never enlarged)
    expect(Math.max(info.width, info.height)).toBe(520);
    const pixel = (fx: number, fy: number) => {
      const o = (Math.round(fy * (info.height - 1)) * info.width + Math.round(fx * (info.width - 1))) * info.channels;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    };
    const near = (rgb: number[], hex: string) => rgb.every((v, i) => Math.abs(v - parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16)) <= 6);
    expect(near(pixel(0.15, 0.3), '#e6194b')).toBe(true); // inside, west of the split: built
    expect(near(pixel(0.55, 0.15), '#ffe119')).toBe(true); // inside, east of the split: fields
    const outside = pixel(0.9, 0.9); // fields under the veil
    expect(outside[2]).toBeGreaterThan(150);
    expect(Math.min(...outside)).toBeGreaterThan(180);
  });

  it('is null for a vintage never analysed', async () => {
    const commune = { geometry: { type: 'Polygon', coordinates: [[[1.9, 49.1], [1.91, 49.1], [1.91, 49.11], [1.9, 49.1]]] } };
    expect(await communeMapPng(fileStorage(root), 1, 99, commune, [])).toBeNull();
  });
});
