import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import type { GeoTIFFImage, ReadRasterResult } from 'geotiff';

const inflateAsync = promisify(inflate);

/** TIFF compression codes read by the fast path: none, Adobe deflate, old-style deflate. */
const DIRECT_COMPRESSIONS = new Set([1, 8, 32946]);
const TILE_CHUNK_BYTES = 1 << 20;
/** What GDAL writes by default for COMPRESS=JPEG on RGB orthophotos. */
const PHOTOMETRIC_YCBCR = 6;

/**
 * One window of a GeoTIFF, samples interleaved (HWC). The common orthophoto layout (tiled, 8 bits per sample,
 * samples interleaved, uncompressed or deflate, with or without the horizontal predictor, as Vigie's demo and
 * GDAL's `COMPRESS=DEFLATE` COGs are) is read tile by tile, inflated by Node's zlib off the main thread and
 * copied row by row: geotiff.js's generic path (pako, one DataView read per sample) made the read take twice
 * as long as running the model on the chip. YCbCr images (JPEG orthophotos) are converted to RGB; any other
 * layout (JPEG, LZW, 16 bits, strips…) goes through geotiff.js. `samples` picks and orders the samples
 * (default: all).
 */
export async function readTiffWindow(image: GeoTIFFImage, [x0, y0, x1, y1]: readonly [number, number, number, number], samples?: readonly number[]): Promise<ReadRasterResult> {
  const spp = image.getSamplesPerPixel();
  const compression = (image.fileDirectory.getValue('Compression') as number | undefined) ?? 1;
  const predictor = ((await image.fileDirectory.loadValue('Predictor')) as number | undefined) ?? 1;
  const eightBit = Array.from({ length: spp }, (_, s) => image.getBitsPerSample(s) === 8 && image.getSampleFormat(s) === 1).every(Boolean);
  if (image.fileDirectory.getValue('PhotometricInterpretation') === PHOTOMETRIC_YCBCR) {
    // readRasters would hand back Y, Cb, Cr as if they were R, G, B: the colours of the model input and the map
    const rgb = (await image.readRGB({ window: [x0, y0, x1, y1], interleave: true })) as unknown as Uint8Array & { width: number; height: number };
    return samples ? pickSamples(rgb, 3, samples) : rgb;
  }
  const inside = x0 >= 0 && y0 >= 0 && x1 <= image.getWidth() && y1 <= image.getHeight() && x1 > x0 && y1 > y0;
  const direct = inside && image.isTiled && image.planarConfiguration === 1 && eightBit && DIRECT_COMPRESSIONS.has(compression) && (predictor === 1 || predictor === 2);
  if (!direct) return image.readRasters({ window: [x0, y0, x1, y1], interleave: true, ...(samples ? { samples: [...samples] } : {}) });

  const picked = samples ?? Array.from({ length: spp }, (_, s) => s);
  const identity = picked.length === spp && picked.every((s, i) => s === i);
  const tileWidth = image.getTileWidth(), tileHeight = image.getTileHeight();
  const width = x1 - x0, height = y1 - y0, out = picked.length;
  const result = new Uint8Array(width * height * out) as Uint8Array & { width: number; height: number };
  const decoder = {
    async decode(block: ArrayBuffer): Promise<ArrayBuffer> {
      // one output chunk per tile: zlib's default 16 KB chunks cost a callback each
      const inflated = compression === 1 ? block : await inflateAsync(new Uint8Array(block), { chunkSize: TILE_CHUNK_BYTES });
      const bytes = ArrayBuffer.isView(inflated) ? new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength) : new Uint8Array(inflated);
      if (predictor === 2) undoHorizontalPredictor(bytes, tileWidth * spp, spp);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  const reads: Promise<void>[] = [];
  for (let ty = Math.floor(y0 / tileHeight); ty * tileHeight < y1; ty++) {
    for (let tx = Math.floor(x0 / tileWidth); tx * tileWidth < x1; tx++) {
      reads.push(image.getTileOrStrip(tx, ty, 0, decoder as never).then(({ data }) => {
        const tile = new Uint8Array(data);
        const left = Math.max(x0, tx * tileWidth), right = Math.min(x1, (tx + 1) * tileWidth);
        const top = Math.max(y0, ty * tileHeight), bottom = Math.min(y1, (ty + 1) * tileHeight);
        for (let y = top; y < bottom; y++) {
          const from = ((y - ty * tileHeight) * tileWidth + (left - tx * tileWidth)) * spp;
          const to = ((y - y0) * width + (left - x0)) * out;
          if (identity) {
            result.set(tile.subarray(from, from + (right - left) * spp), to);
            continue;
          }
          for (let x = 0; x < right - left; x++) {
            for (let k = 0; k < out; k++) result[to + x * out + k] = tile[from + x * spp + picked[k]!]!;
          }
        }
      }));
    }
  }
  await Promise.all(reads);
  result.width = width;
  result.height = height;
  return result;
}

function pickSamples(data: Uint8Array & { width: number; height: number }, spp: number, samples: readonly number[]) {
  const n = data.width * data.height, out = samples.length;
  const picked = new Uint8Array(n * out) as Uint8Array & { width: number; height: number };
  for (let p = 0; p < n; p++) for (let k = 0; k < out; k++) picked[p * out + k] = data[p * spp + samples[k]!]!;
  picked.width = data.width;
  picked.height = data.height;
  return picked;
}

/** TIFF predictor 2 on 8-bit interleaved samples: each sample was stored as the difference from its left neighbour. */
function undoHorizontalPredictor(bytes: Uint8Array, rowBytes: number, spp: number): void {
  for (let row = 0; row + rowBytes <= bytes.length; row += rowBytes) {
    if (spp === 3) {
      // the common RGB case, with the three running sums in registers
      let r = bytes[row]!, g = bytes[row + 1]!, b = bytes[row + 2]!;
      for (let i = row + 3; i < row + rowBytes; i += 3) {
        r = (r + bytes[i]!) & 255; g = (g + bytes[i + 1]!) & 255; b = (b + bytes[i + 2]!) & 255;
        bytes[i] = r; bytes[i + 1] = g; bytes[i + 2] = b;
      }
      continue;
    }
    for (let i = row + spp; i < row + rowBytes; i++) bytes[i] = (bytes[i]! + bytes[i - spp]!) & 255;
  }
}
