import fs from 'node:fs';
import { writeArrayBuffer } from 'geotiff';
import { GeoTiffWriter } from '@vigie/data/geotiff';

/**
 * A small real GeoTIFF in Lambert-93 (tiled, deflate) with a colour gradient, so pixels are
 * recognisable after reprojection: red grows eastwards, green southwards.
 */
export function writeGradientOrtho(file: string, opts: { width: number; height: number; originX: number; originY: number; gsd?: number; epsg?: number }) {
  const tileSize = 256;
  const writer = new GeoTiffWriter(file, {
    width: opts.width, height: opts.height, tileSize, samplesPerPixel: 3,
    originX: opts.originX, originY: opts.originY, pixelSize: opts.gsd ?? 0.2, epsg: opts.epsg ?? 2154,
  });
  for (let ty = 0; ty < writer.tilesDown; ty++) {
    for (let tx = 0; tx < writer.tilesAcross; tx++) {
      const pixels = new Uint8Array(tileSize * tileSize * 3);
      for (let y = 0; y < tileSize; y++) {
        for (let x = 0; x < tileSize; x++) {
          const gx = tx * tileSize + x, gy = ty * tileSize + y, o = (y * tileSize + x) * 3;
          pixels[o] = Math.floor((gx / opts.width) * 255);
          pixels[o + 1] = Math.floor((gy / opts.height) * 255);
          pixels[o + 2] = 80;
        }
      }
      writer.writeTile(tx, ty, pixels);
    }
  }
  writer.close();
}

/**
 * A small georeferenced GeoTIFF (Lambert-93, 0.20 m, strips, uncompressed; 32 × 32 unless told) of any sample
 * count and depth, for what the demo never has (a fourth band, an alpha band, a no-data value, 16-bit samples).
 * `value` gives every sample, or each one from its position.
 */
export function writeSmallGeoTiff(file: string, opts: {
  samples: number; bits?: 8 | 16; alpha?: boolean; noData?: number; size?: number; originX: number; originY: number;
  value?: number | ((x: number, y: number, sample: number) => number);
}) {
  const bits = opts.bits ?? 8, size = opts.size ?? 32, n = size * size * opts.samples;
  const values = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const value = opts.value ?? 100;
  for (let i = 0; i < n; i++) {
    const p = Math.floor(i / opts.samples);
    values[i] = typeof value === 'number' ? value : value(p % size, Math.floor(p / size), i % opts.samples);
  }
  fs.writeFileSync(file, Buffer.from(writeArrayBuffer(values, {
    width: size, height: size, SamplesPerPixel: opts.samples, BitsPerSample: Array(opts.samples).fill(bits), PlanarConfiguration: 1,
    PhotometricInterpretation: opts.samples >= 3 ? 2 : 1, ...(opts.alpha ? { ExtraSamples: [2] } : {}),
    ...(opts.noData !== undefined ? { GDAL_NODATA: `${opts.noData}\0` } : {}),
    ModelPixelScale: [0.2, 0.2, 0], ModelTiepoint: [0, 0, 0, opts.originX, opts.originY, 0], GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2154,
  })));
}
