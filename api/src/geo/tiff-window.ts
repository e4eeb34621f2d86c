import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import type { GeoTIFFImage, ReadRasterResult } from 'geotiff';
import sharp from 'sharp';

const inflateAsync = promisify(inflate);

const COMPRESSION = { none: 1, jpeg: 7, deflate: 8, deflateOld: 32946 } as const;
const PHOTOMETRIC = { rgb: 2, ycbcr: 6 } as const;
const BLOCK_CHUNK_BYTES = 1 << 20;

type Pixels = Uint8Array & { width: number; height: number };

/**
 * One window of a GeoTIFF, samples interleaved (HWC), RGB for colour images whatever their storage.
 *
 * The usual orthophoto layouts (8 bits per sample, samples interleaved, tiles or strips, uncompressed or deflate
 * with or without the horizontal predictor, or JPEG in RGB or YCbCr: Vigie's demo and GDAL's `COMPRESS=DEFLATE`
 * or `COMPRESS=JPEG` COGs) are read block by block, decoded natively off the main thread (Node's zlib,
 * libjpeg-turbo through sharp) and copied row by row. geotiff.js's generic path (pako, a JavaScript JPEG
 * decoder, one DataView read per sample) took longer than running the model on the chip: 75 ms per 512 px chip
 * in deflate, 108 in JPEG. Anything else (LZW, 16 bits, planar…) goes through geotiff.js, YCbCr converted to RGB.
 * `samples` picks and orders the samples (default: all).
 */
export async function readTiffWindow(image: GeoTIFFImage, [x0, y0, x1, y1]: readonly [number, number, number, number], samples?: readonly number[]): Promise<ReadRasterResult> {
  const spp = image.getSamplesPerPixel();
  let decoding = decoders.get(image);
  if (!decoding) decoders.set(image, (decoding = blockDecoder(image)));
  const decodeBlock = await decoding;
  const inside = x0 >= 0 && y0 >= 0 && x1 <= image.getWidth() && y1 <= image.getHeight() && x1 > x0 && y1 > y0;
  if (!decodeBlock || !inside) {
    if (image.fileDirectory.getValue('PhotometricInterpretation') === PHOTOMETRIC.ycbcr) {
      // readRasters would hand back Y, Cb, Cr as if they were R, G, B
      const rgb = (await image.readRGB({ window: [x0, y0, x1, y1], interleave: true })) as unknown as Pixels;
      return samples ? pickSamples(rgb, 3, samples) : rgb;
    }
    return image.readRasters({ window: [x0, y0, x1, y1], interleave: true, ...(samples ? { samples: [...samples] } : {}) });
  }

  const picked = samples ?? Array.from({ length: spp }, (_, s) => s);
  const identity = picked.length === spp && picked.every((s, i) => s === i);
  // strips are blocks as wide as the image (geotiff.js answers both for tiles and strips)
  const blockWidth = image.getTileWidth(), blockHeight = image.getTileHeight();
  const width = x1 - x0, height = y1 - y0, out = picked.length;
  const result = new Uint8Array(width * height * out) as Pixels;
  const decoder = {
    async decode(block: ArrayBuffer): Promise<ArrayBuffer> {
      const bytes = await decodeBlock(new Uint8Array(block));
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    },
  };
  const reads: Promise<void>[] = [];
  for (let by = Math.floor(y0 / blockHeight); by * blockHeight < y1; by++) {
    for (let bx = Math.floor(x0 / blockWidth); bx * blockWidth < x1; bx++) {
      const read = blockCache.get(image, bx, by, async () => new Uint8Array((await image.getTileOrStrip(bx, by, 0, decoder as never)).data as ArrayBuffer));
      reads.push(read.then((block) => {
        const left = Math.max(x0, bx * blockWidth), right = Math.min(x1, (bx + 1) * blockWidth);
        const top = Math.max(y0, by * blockHeight), bottom = Math.min(y1, (by + 1) * blockHeight);
        for (let y = top; y < bottom; y++) {
          const from = ((y - by * blockHeight) * blockWidth + (left - bx * blockWidth)) * spp;
          const to = ((y - y0) * width + (left - x0)) * out;
          if (identity) {
            result.set(block.subarray(from, from + (right - left) * spp), to);
            continue;
          }
          for (let x = 0; x < right - left; x++) {
            for (let k = 0; k < out; k++) result[to + x * out + k] = block[from + x * spp + picked[k]!]!;
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

/**
 * Decoded blocks kept for the next windows, least recently used out first, within `BLOCK_CACHE_BYTES`. Chips
 * overlap and straddle block edges: a 512 px chip on 256 px tiles touches 9 tiles and shares most of them with
 * its neighbours, so a run decodes each tile about once instead of two or three times. Concurrent reads of one
 * block share its decoding. Orthophotos only (camera frames never come through here).
 */
export class BlockCache {
  private readonly entries = new Map<string, { bytes: number; block: Promise<Uint8Array> }>();
  private readonly ids = new WeakMap<GeoTIFFImage, number>();
  private nextId = 0;
  private bytes = 0;
  constructor(private readonly budget: number) {}

  get(image: GeoTIFFImage, bx: number, by: number, decode: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let id = this.ids.get(image);
    if (id === undefined) this.ids.set(image, (id = this.nextId++));
    const key = `${id}:${bx}:${by}`;
    const hit = this.entries.get(key);
    if (hit) {
      // most recent last
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.block;
    }
    const entry = { bytes: 0, block: decode() };
    this.entries.set(key, entry);
    entry.block.then(
      (block) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = block.byteLength;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => this.entries.get(key) === entry && this.entries.delete(key),
    );
    return entry.block;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.budget) return;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}

const BLOCK_CACHE_BYTES = 64 << 20;
const blockCache = new BlockCache(BLOCK_CACHE_BYTES);

type BlockDecoder = (block: Uint8Array) => Promise<Uint8Array>;

/** One decoder per opened image (its tags read once), not one per window: the chips of a run share it. */
const decoders = new WeakMap<GeoTIFFImage, Promise<BlockDecoder | undefined>>();

/** A native decoder of one block's bytes to interleaved 8-bit samples, or undefined for layouts left to geotiff.js. */
async function blockDecoder(image: GeoTIFFImage): Promise<BlockDecoder | undefined> {
  const spp = image.getSamplesPerPixel();
  const eightBit = Array.from({ length: spp }, (_, s) => image.getBitsPerSample(s) === 8 && image.getSampleFormat(s) === 1).every(Boolean);
  if (!eightBit || (spp > 1 && image.planarConfiguration !== 1)) return undefined;
  const compression = (image.fileDirectory.getValue('Compression') as number | undefined) ?? COMPRESSION.none;
  const photometric = image.fileDirectory.getValue('PhotometricInterpretation') as number | undefined;

  if (compression === COMPRESSION.jpeg) {
    if (spp !== 3 || (photometric !== PHOTOMETRIC.rgb && photometric !== PHOTOMETRIC.ycbcr)) return undefined;
    const tables = image.fileDirectory.getValue('JPEGTables') as ArrayLike<number> | undefined;
    // abbreviated streams: the tables shared in the TIFF header, then the block's own stream (EOI and SOI dropped)
    const header = tables ? Buffer.from(Uint8Array.from(tables).subarray(0, -2)) : undefined;
    const blockWidth = image.getTileWidth(), blockHeight = image.getTileHeight();
    return async (block) => {
      const stream = header ? Buffer.concat([header, block.subarray(2)]) : block;
      const { data, info } = await sharp(stream, { limitInputPixels: blockWidth * blockHeight }).raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || info.width !== blockWidth || info.height > blockHeight) {
        throw new Error(`bloc JPEG de ${info.width} × ${info.height} × ${info.channels}, ${blockWidth} × ${blockHeight} × 3 attendu`);
      }
      return data;
    };
  }
  if (photometric === PHOTOMETRIC.ycbcr) return undefined;
  const predictor = ((await image.fileDirectory.loadValue('Predictor')) as number | undefined) ?? 1;
  if (predictor !== 1 && predictor !== 2) return undefined;
  const rowBytes = image.getTileWidth() * spp;
  if (compression === COMPRESSION.none) return async (block) => (predictor === 2 ? undoHorizontalPredictor(block.slice(), rowBytes, spp) : block);
  if (compression !== COMPRESSION.deflate && compression !== COMPRESSION.deflateOld) return undefined;
  return async (block) => {
    // one output chunk per block: zlib's default 16 KB chunks cost a callback each
    const inflated = await inflateAsync(block, { chunkSize: BLOCK_CHUNK_BYTES });
    const bytes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    return predictor === 2 ? undoHorizontalPredictor(bytes, rowBytes, spp) : bytes;
  };
}

function pickSamples(data: Pixels, spp: number, samples: readonly number[]): Pixels {
  const n = data.width * data.height, out = samples.length;
  const picked = new Uint8Array(n * out) as Pixels;
  for (let p = 0; p < n; p++) for (let k = 0; k < out; k++) picked[p * out + k] = data[p * spp + samples[k]!]!;
  picked.width = data.width;
  picked.height = data.height;
  return picked;
}

/** TIFF predictor 2 on 8-bit interleaved samples, in place: each sample was stored as the difference from its left neighbour. */
function undoHorizontalPredictor(bytes: Uint8Array, rowBytes: number, spp: number): Uint8Array {
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
  return bytes;
}

/** The sample marked as alpha (TIFF ExtraSamples 1, associated, or 2, unassociated), if any. */
export function alphaSample(image: GeoTIFFImage): number | null {
  const extra = image.fileDirectory.getValue('ExtraSamples') as ArrayLike<number> | undefined;
  if (!extra) return null;
  const first = image.getSamplesPerPixel() - extra.length;
  for (let k = 0; k < extra.length; k++) if (extra[k] === 1 || extra[k] === 2) return first + k;
  return null;
}
