import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromArrayBuffer, fromFile, type GeoTIFFImage } from 'geotiff';
import sharp, { type TiffOptions } from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { BlockCache, readTiffWindow } from '@vigie/api/geo';
import { GeoTiffWriter } from '@vigie/data/geotiff';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/imagery');
const WIDTH = 300, HEIGHT = 200; // not multiples of the 64 px tiles: the right and bottom tiles are padded

/** Pixels with structure and noise, so that the predictor and deflate have something to do. */
function pixels(channels: number): Buffer {
  const data = Buffer.alloc(WIDTH * HEIGHT * channels);
  let seed = 7;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    data[i] = (((i / channels) % WIDTH) + (seed >>> 27) + (i % channels) * 40) & 255;
  }
  return data;
}

async function sharpTiff(channels: number, options: TiffOptions): Promise<GeoTIFFImage> {
  const tiff = await sharp(pixels(channels), { raw: { width: WIDTH, height: HEIGHT, channels: channels as 3 | 4 } })
    .tiff({ tile: true, tileWidth: 64, tileHeight: 64, ...options })
    .toBuffer();
  return (await fromArrayBuffer(tiff.buffer.slice(tiff.byteOffset, tiff.byteOffset + tiff.byteLength) as ArrayBuffer)).getImage();
}

const WINDOWS: [number, number, number, number][] = [
  [0, 0, WIDTH, HEIGHT], // the whole image
  [0, 0, 1, 1],
  [63, 63, 65, 65], // four tiles meeting
  [37, 11, 229, 190],
  [250, 150, WIDTH, HEIGHT], // the padded corner tile
  [5, 0, 6, HEIGHT], // one column
];

/** readTiffWindow's bytes, and whether it handed the window to geotiff.js's generic reader. */
async function read(image: GeoTIFFImage, window: [number, number, number, number], samples?: number[]) {
  const generic = [vi.spyOn(image, 'readRasters'), vi.spyOn(image, 'readRGB')];
  try {
    const bytes = Buffer.from((await readTiffWindow(image, window, samples)) as Uint8Array);
    return { bytes, generic: generic.some((spy) => spy.mock.calls.length > 0) };
  } finally {
    for (const spy of generic) spy.mockRestore();
  }
}

/** What geotiff.js's generic reader gives for the same window: the reference. */
async function reference(image: GeoTIFFImage, window: [number, number, number, number], samples?: number[]) {
  return Buffer.from((await image.readRasters({ window, interleave: true, ...(samples ? { samples } : {}) })) as unknown as Uint8Array);
}

describe('readTiffWindow', () => {
  it('reads Vigie’s own tiled deflate + predictor GeoTIFFs exactly as geotiff.js does', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-window-')), 'ortho.tif');
    const writer = new GeoTiffWriter(file, { width: WIDTH, height: HEIGHT, tileSize: 64, samplesPerPixel: 3, originX: 600_000, originY: 6_800_000, pixelSize: 0.2, epsg: 2154 });
    const data = pixels(3);
    for (let ty = 0; ty < writer.tilesDown; ty++) {
      for (let tx = 0; tx < writer.tilesAcross; tx++) {
        const tile = new Uint8Array(64 * 64 * 3);
        for (let y = 0; y < 64 && ty * 64 + y < HEIGHT; y++) {
          const from = ((ty * 64 + y) * WIDTH + tx * 64) * 3;
          tile.set(data.subarray(from, from + Math.min(64, WIDTH - tx * 64) * 3), y * 64 * 3);
        }
        writer.writeTile(tx, ty, tile);
      }
    }
    writer.close();
    const image = await (await fromFile(file)).getImage();
    for (const window of WINDOWS) {
      const got = await read(image, window);
      expect(got.generic).toBe(false);
      expect(got.bytes.equals(await reference(image, window)), `window ${window}`).toBe(true);
      expect(await readTiffWindow(image, window)).toMatchObject({ width: window[2] - window[0], height: window[3] - window[1] });
    }
    // and the pixels are the ones written
    expect(Buffer.from((await readTiffWindow(image, [0, 0, WIDTH, HEIGHT])) as Uint8Array).equals(data)).toBe(true);
  });

  it.each([
    ['deflate, horizontal predictor', { compression: 'deflate', predictor: 'horizontal' }, false],
    ['deflate, no predictor', { compression: 'deflate', predictor: 'none' }, false],
    ['uncompressed', { compression: 'none' }, false],
    ['LZW (through geotiff.js)', { compression: 'lzw', predictor: 'horizontal' }, true],
  ] as const)('reads a tiled RGB TIFF, %s, as geotiff.js does', async (_, options, generic) => {
    const image = await sharpTiff(3, options as TiffOptions);
    for (const window of WINDOWS) {
      const got = await read(image, window);
      expect(got.generic).toBe(generic);
      expect(got.bytes.equals(await reference(image, window)), `window ${window}`).toBe(true);
    }
  });

  it('picks and orders samples: RGB out of RGBA, a band repeated', async () => {
    const image = await sharpTiff(4, { compression: 'deflate', predictor: 'horizontal' });
    for (const samples of [[0, 1, 2], [2, 1, 0], [3, 3, 3]]) {
      for (const window of WINDOWS) {
        const got = await read(image, window, samples);
        expect(got.generic).toBe(false);
        expect(got.bytes.equals(await reference(image, window, samples)), `samples ${samples} window ${window}`).toBe(true);
      }
    }
  });

  it('decodes JPEG tiles natively, to what geotiff.js’s own JPEG decoder gives within rounding', async () => {
    const image = await sharpTiff(3, { compression: 'jpeg', quality: 90 });
    for (const window of WINDOWS) {
      const got = await read(image, window);
      expect(got.generic).toBe(false);
      const expected = await reference(image, window);
      expect(got.bytes.length).toBe(expected.length);
      let worst = 0, total = 0;
      for (let i = 0; i < expected.length; i++) {
        const d = Math.abs(got.bytes[i]! - expected[i]!);
        worst = Math.max(worst, d);
        total += d;
      }
      // two IDCTs (libjpeg-turbo's, pdf.js's) round differently; a colour or placement error would be far larger
      expect(worst, `window ${window}`).toBeLessThanOrEqual(8);
      expect(total / expected.length, `window ${window}`).toBeLessThan(1.5);
    }
  });

  it('gives RGB, not Y, Cb, Cr, from a JPEG orthophoto in YCbCr (GDAL’s COMPRESS=JPEG)', async () => {
    // tests/fixtures/imagery/make_ycbcr_jpeg.py: red (200, 40, 30) on the left half, blue (30, 60, 190) on the
    // right; strips, with the JPEG tables shared in the TIFF header
    const image = await (await fromFile(path.join(FIXTURES, 'ycbcr-jpeg.tif'))).getImage();
    const near = (got: ArrayLike<number>, expected: number[]) => expected.every((v, k) => Math.abs(got[k]! - v) <= 6);
    const whole = await read(image, [0, 0, 64, 48]);
    expect(whole.generic).toBe(false);
    const all = (await readTiffWindow(image, [0, 0, 64, 48])) as Uint8Array;
    expect(all).toMatchObject({ width: 64, height: 48 });
    for (const [x, y, colour] of [[5, 5, [200, 40, 30]], [60, 40, [30, 60, 190]], [20, 30, [200, 40, 30]], [40, 10, [30, 60, 190]]] as const) {
      const p = (y * 64 + x) * 3;
      expect(near(all.subarray(p, p + 3), [...colour]), `pixel ${x}, ${y}: ${[...all.subarray(p, p + 3)]}`).toBe(true);
    }
    const window = (await readTiffWindow(image, [50, 20, 52, 21], [2, 1, 0])) as Uint8Array;
    expect(near(window, [190, 60, 30]) && near(window.subarray(3), [190, 60, 30]), `${[...window]}`).toBe(true);
  });

  it('decodes each block once for overlapping windows (the chips of a run), with the same bytes from the cache', async () => {
    const image = await sharpTiff(3, { compression: 'deflate' });
    const decoded = vi.spyOn(image, 'getTileOrStrip');
    const reference = async (window: [number, number, number, number]) => Buffer.from((await image.readRasters({ window, interleave: true })) as Uint8Array);
    const first = await read(image, [37, 11, 229, 190]); // tile columns 0–3, rows 0–2
    expect(decoded.mock.calls.length).toBe(12);
    const inside = await read(image, [60, 40, 200, 150]);
    const beside = await read(image, [180, 11, 290, 120]); // columns 2–4: only column 4 is new
    expect(decoded.mock.calls.length).toBe(12 + 2);
    expect(first.bytes.equals(await reference([37, 11, 229, 190]))).toBe(true);
    expect(inside.bytes.equals(await reference([60, 40, 200, 150]))).toBe(true);
    expect(beside.bytes.equals(await reference([180, 11, 290, 120]))).toBe(true);
  });

  it('keeps the cache within its budget, least recently used out first', async () => {
    const cache = new BlockCache(1000);
    const image = {} as GeoTIFFImage;
    const decodes: string[] = [];
    const get = (bx: number) => cache.get(image, bx, 0, async () => (decodes.push(`${bx}`), new Uint8Array(400)));
    for (const bx of [0, 1]) await get(bx);
    await get(0); // 0 is now the most recent
    await get(2); // over budget: 1 goes
    await new Promise((resolve) => setImmediate(resolve));
    for (const bx of [0, 2, 1]) await get(bx);
    expect(decodes).toEqual(['0', '1', '2', '1']);
  });

  it('leaves a window outside the image to geotiff.js', async () => {
    const image = await sharpTiff(3, { compression: 'deflate' });
    const outside: [number, number, number, number] = [WIDTH - 10, HEIGHT - 10, WIDTH + 10, HEIGHT + 10];
    const got = await read(image, outside);
    expect(got.generic).toBe(true);
    expect(got.bytes.equals(await reference(image, outside))).toBe(true);
  });
});
