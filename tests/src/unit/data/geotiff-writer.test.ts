import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, describe, expect, it } from 'vitest';
import { GeoTiffWriter } from '../../../../data/src/geotiff/writer';

const dir = mkdtempSync(join(tmpdir(), 'vigie-tiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tiled deflate GeoTIFF writer', () => {
  it('round-trips RGB pixels across tile borders with geotiff.js, with georeferencing', async () => {
    const path = join(dir, 'rgb.tif');
    const grid = { width: 40, height: 24, tileSize: 16, samplesPerPixel: 3 as const, originX: 620000, originY: 6890000, pixelSize: 0.2, epsg: 2154 };
    const w = new GeoTiffWriter(path, grid);
    const value = (x: number, y: number, c: number) => (x * 7 + y * 13 + c * 50) & 255;
    for (let ty = 0; ty < w.tilesDown; ty++) {
      for (let tx = 0; tx < w.tilesAcross; tx++) {
        const tile = new Uint8Array(16 * 16 * 3);
        for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) for (let c = 0; c < 3; c++) tile[(y * 16 + x) * 3 + c] = value(tx * 16 + x, ty * 16 + y, c);
        w.writeTile(tx, ty, tile);
      }
    }
    w.close();
    const image = await (await fromFile(path)).getImage();
    expect(image.getWidth()).toBe(40);
    expect(image.getHeight()).toBe(24);
    expect(image.getTileWidth()).toBe(16);
    expect(image.getResolution()).toEqual([0.2, -0.2, 0]);
    expect(image.getBoundingBox()).toEqual([620000, 6890000 - 24 * 0.2, 620000 + 40 * 0.2, 6890000]);
    expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(2154);
    expect(image.getGeoKeys()?.GTRasterTypeGeoKey).toBe(1);
    expect(image.fileDirectory.getValue('Compression')).toBe(8);
    const data = (await image.readRasters({ interleave: true })) as unknown as Uint8Array;
    for (const [x, y] of [[0, 0], [15, 15], [16, 16], [39, 23], [33, 5]] as const) {
      for (let c = 0; c < 3; c++) expect(data[(y * 40 + x) * 3 + c]).toBe(value(x, y, c));
    }
  });

  it('refuses to close an incomplete raster', () => {
    const w = new GeoTiffWriter(join(dir, 'partial.tif'), { width: 32, height: 16, tileSize: 16, samplesPerPixel: 1, originX: 0, originY: 0, pixelSize: 1, epsg: 2154 });
    w.writeTile(0, 0, new Uint8Array(256));
    expect(() => w.close()).toThrow(/incomplete/);
  });
});
