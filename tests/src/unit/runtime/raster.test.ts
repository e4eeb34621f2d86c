import { crc32 } from 'node:zlib';
import { fromArrayBuffer, writeArrayBuffer } from 'geotiff';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rasterFromEncoded, rasterFromGeoTiff } from '@vigie/workers/runtime';

/** A PNG that declares width × height but carries no pixels: what a decompression bomb looks like to a header reader. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IEND', Buffer.alloc(0))]);
}

describe('rasterFromEncoded', () => {
  it('decodes to RGB, dropping alpha and expanding grey', async () => {
    const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const r = await rasterFromEncoded(rgba);
    expect(r).toMatchObject({ width: 3, height: 2, bands: ['R', 'G', 'B'] });
    expect([...r.data.subarray(0, 3)]).toEqual([10, 20, 30]);
    const grey = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    expect((await rasterFromEncoded(grey)).data.length).toBe(12);
  });

  it('refuses garbage and decompression bombs with a clear error', async () => {
    await expect(rasterFromEncoded(Buffer.from('not an image'))).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(rasterFromEncoded(pngHeader(20_000, 20_000))).rejects.toMatchObject({ code: 'invalid_image', message: expect.stringMatching(/trop grande|pixel/i) });
  });
});

describe('rasterFromGeoTiff', () => {
  const width = 6;
  const height = 4;
  const tiff = async (samples: number) => {
    const values = new Uint8Array(width * height * samples).map((_, i) => i % 251);
    const buffer = writeArrayBuffer(values, { width, height, SamplesPerPixel: samples, BitsPerSample: Array(samples).fill(8), PlanarConfiguration: 1 });
    return (await fromArrayBuffer(buffer)).getImage();
  };

  it('reads only the window, interleaved, with RGB band names by default', async () => {
    const image = await tiff(3);
    const r = await rasterFromGeoTiff(image, { x: 2, y: 1, width: 3, height: 2 });
    expect(r).toMatchObject({ width: 3, height: 2, bands: ['R', 'G', 'B'] });
    // pixel (2, 1) of a 6-wide interleaved RGB image starts at value (1 × 6 + 2) × 3 = 24
    expect([...r.data.subarray(0, 6)]).toEqual([24, 25, 26, 27, 28, 29]);
    expect(r.data[9]).toBe((2 * 6 + 2) * 3);
  });

  it('needs band names for anything but RGB', async () => {
    const image = await tiff(4);
    await expect(rasterFromGeoTiff(image, { x: 0, y: 0, width: 2, height: 2 })).rejects.toMatchObject({ code: 'unknown_bands' });
    const r = await rasterFromGeoTiff(image, { x: 0, y: 0, width: 2, height: 2 }, ['R', 'G', 'B', 'NIR']);
    expect(r.bands).toEqual(['R', 'G', 'B', 'NIR']);
    expect(r.data.length).toBe(16);
  });

  it('marks as no data the pixels whose alpha is 0 or whose every band holds the GDAL no-data value', async () => {
    const geotiff = async (samples: number, extra: Record<string, unknown>, value: (x: number, s: number) => number) => {
      const values = new Uint8Array(width * height * samples).map((_, i) => value(Math.floor(i / samples) % width, i % samples));
      const buffer = writeArrayBuffer(values, { width, height, SamplesPerPixel: samples, BitsPerSample: Array(samples).fill(8), PlanarConfiguration: 1, ...extra });
      return (await fromArrayBuffer(buffer)).getImage();
    };
    // alpha 0 on the two left columns
    const rgba = await rasterFromGeoTiff(await geotiff(4, { ExtraSamples: [2] }, (x, s) => (s === 3 ? (x < 2 ? 0 : 255) : 50 + x)), { x: 1, y: 0, width: 3, height: 1 }, ['R', 'G', 'B', null]);
    expect([...rgba.valid!]).toEqual([0, 1, 1]);
    expect([...rgba.data]).toEqual([51, 51, 51, 52, 52, 52, 53, 53, 53]);
    // no-data 0 in every band on the left column; a pixel with one band at 0 is data
    const nodata = await rasterFromGeoTiff(await geotiff(3, { GDAL_NODATA: '0\0' }, (x, s) => (x === 0 ? 0 : x === 1 && s === 0 ? 0 : 9)), { x: 0, y: 0, width: 3, height: 1 });
    expect([...nodata.valid!]).toEqual([0, 1, 1]);
    // neither: no mask at all
    expect((await rasterFromGeoTiff(await tiff(3), { x: 0, y: 0, width: 2, height: 2 })).valid).toBeUndefined();
  });

  it('skips the samples named null (an alpha band), and reads infrared colour as named', async () => {
    const rgba = await rasterFromGeoTiff(await tiff(4), { x: 1, y: 0, width: 2, height: 1 }, ['R', 'G', 'B', null]);
    expect(rgba.bands).toEqual(['R', 'G', 'B']);
    expect([...rgba.data]).toEqual([4, 5, 6, 8, 9, 10]); // pixel 1 starts at 4, pixel 2 at 8: the alpha 7 and 11 left out
    const irc = await rasterFromGeoTiff(await tiff(3), { x: 0, y: 0, width: 1, height: 1 }, ['NIR', 'R', 'G']);
    expect(irc).toMatchObject({ bands: ['NIR', 'R', 'G'] });
    expect([...irc.data]).toEqual([0, 1, 2]);
  });
});
