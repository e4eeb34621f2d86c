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
