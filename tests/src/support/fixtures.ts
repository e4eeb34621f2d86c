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
 * A 32 × 32 georeferenced GeoTIFF (Lambert-93, 0.20 m, strips, uncompressed) of any sample count and depth,
 * filled with one value: for what the demo never has (a fourth band, an alpha band, 16-bit samples).
 */
export function writeSmallGeoTiff(file: string, opts: { samples: number; bits?: 8 | 16; alpha?: boolean; originX: number; originY: number; value?: number }) {
  const bits = opts.bits ?? 8, n = 32 * 32 * opts.samples;
  const values = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  values.fill(opts.value ?? 100);
  fs.writeFileSync(file, Buffer.from(writeArrayBuffer(values, {
    width: 32, height: 32, SamplesPerPixel: opts.samples, BitsPerSample: Array(opts.samples).fill(bits), PlanarConfiguration: 1,
    PhotometricInterpretation: opts.samples >= 3 ? 2 : 1, ...(opts.alpha ? { ExtraSamples: [2] } : {}),
    ModelPixelScale: [0.2, 0.2, 0], ModelTiepoint: [0, 0, 0, opts.originX, opts.originY, 0], GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2154,
  })));
}
