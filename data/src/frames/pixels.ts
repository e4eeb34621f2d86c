import { crc32, deflateSync } from 'node:zlib';

/**
 * An RGBA raster as an SVG `<image>`: parts of a camera view that read as drawings when filled with vector
 * shapes (a tree's foliage) are computed per pixel and laid into the scene at their depth, so that what
 * stands in front of them still covers them. PNG-encoded synchronously (the scene is built synchronously).
 */
export function svgImage(x: number, y: number, width: number, height: number, rgba: Uint8Array): string {
  return `<image x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width}" height="${height}" href="data:image/png;base64,${png(width, height, rgba).toString('base64')}"/>`;
}

/** A minimal PNG (8-bit RGBA, no filtering): enough for a few kilobytes of foliage. */
export function png(width: number, height: number, rgba: Uint8Array): Buffer {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rows.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A channel value rounded into 0–255, for every per-pixel pass over a frame. */
export const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
