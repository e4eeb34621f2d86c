import { closeSync, openSync, writeSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/**
 * A small tiled, deflate-compressed GeoTIFF writer (classic TIFF, little-endian).
 * geotiff.js writes neither tiles nor compression, and a 10 000 px mosaic must be
 * read by windows, so Vigie writes its own.
 *
 * Tiles are appended as they are given; the IFD goes at the end and the header
 * is patched on close, so memory stays at one tile.
 */
export interface GeoTiffGrid {
  width: number;
  height: number;
  tileSize: number;
  /** 3 for RGB, 1 for a single band */
  samplesPerPixel: 1 | 3;
  /** Lambert-93 (or other projected CRS) coordinates of the top-left corner */
  originX: number;
  originY: number;
  pixelSize: number;
  epsg: number;
}

const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_DOUBLE = 12;

interface Tag {
  code: number;
  type: number;
  values: number[];
}

export class GeoTiffWriter {
  readonly tilesAcross: number;
  readonly tilesDown: number;
  private readonly fd: number;
  private offset = 8;
  private readonly offsets: number[];
  private readonly counts: number[];

  constructor(
    path: string,
    readonly grid: GeoTiffGrid,
    private readonly level = 6,
  ) {
    this.tilesAcross = Math.ceil(grid.width / grid.tileSize);
    this.tilesDown = Math.ceil(grid.height / grid.tileSize);
    this.offsets = new Array<number>(this.tilesAcross * this.tilesDown).fill(0);
    this.counts = new Array<number>(this.tilesAcross * this.tilesDown).fill(0);
    this.fd = openSync(path, 'w');
    writeSync(this.fd, Buffer.alloc(8));
  }

  /**
   * `pixels`: tileSize × tileSize × samplesPerPixel bytes, row-major, interleaved
   * (edge tiles padded to the full tile size, as TIFF requires).
   */
  writeTile(tx: number, ty: number, pixels: Uint8Array): void {
    this.writeEncodedTile(tx, ty, encodeTile(pixels, this.grid.tileSize, this.grid.samplesPerPixel, this.level));
  }

  /** Same, with bytes already encoded by `encodeTile` (e.g. in a worker thread). */
  writeEncodedTile(tx: number, ty: number, encoded: Uint8Array): void {
    const index = ty * this.tilesAcross + tx;
    this.offsets[index] = this.offset;
    this.counts[index] = encoded.length;
    writeSync(this.fd, encoded, 0, encoded.length, this.offset);
    this.offset += encoded.length;
    if (this.offset % 2) {
      writeSync(this.fd, Buffer.alloc(1), 0, 1, this.offset);
      this.offset += 1;
    }
  }

  close(): void {
    const { grid } = this;
    if (this.counts.some((c) => c === 0)) {
      closeSync(this.fd);
      throw new Error('GeoTIFF incomplete: some tiles were never written');
    }
    const spp = grid.samplesPerPixel;
    const tags: Tag[] = [
      { code: 256, type: TYPE_LONG, values: [grid.width] },
      { code: 257, type: TYPE_LONG, values: [grid.height] },
      { code: 258, type: TYPE_SHORT, values: new Array(spp).fill(8) },
      { code: 259, type: TYPE_SHORT, values: [8] }, // Adobe deflate (zlib)
      { code: 262, type: TYPE_SHORT, values: [spp === 3 ? 2 : 1] }, // RGB / BlackIsZero
      { code: 277, type: TYPE_SHORT, values: [spp] },
      { code: 284, type: TYPE_SHORT, values: [1] }, // chunky
      { code: 317, type: TYPE_SHORT, values: [spp === 3 ? 2 : 1] }, // horizontal differencing for photos
      { code: 322, type: TYPE_SHORT, values: [grid.tileSize] },
      { code: 323, type: TYPE_SHORT, values: [grid.tileSize] },
      { code: 324, type: TYPE_LONG, values: this.offsets },
      { code: 325, type: TYPE_LONG, values: this.counts },
      { code: 339, type: TYPE_SHORT, values: new Array(spp).fill(1) },
      { code: 33550, type: TYPE_DOUBLE, values: [grid.pixelSize, grid.pixelSize, 0] },
      { code: 33922, type: TYPE_DOUBLE, values: [0, 0, 0, grid.originX, grid.originY, 0] },
      {
        code: 34735,
        type: TYPE_SHORT,
        // version 1.1.0, 4 keys: model type projected, raster PixelIsArea, projected CRS, metres
        values: [1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, grid.epsg, 3076, 0, 1, 9001],
      },
    ];
    const ifd = buildIfd(tags, this.offset);
    writeSync(this.fd, ifd, 0, ifd.length, this.offset);
    const header = Buffer.alloc(8);
    header.write('II', 0, 'latin1');
    header.writeUInt16LE(42, 2);
    header.writeUInt32LE(this.offset, 4);
    writeSync(this.fd, header, 0, 8, 0);
    closeSync(this.fd);
  }
}

/** Applies the TIFF predictor (photos only) and deflates one tile. Pure: safe in worker threads. */
export function encodeTile(pixels: Uint8Array, tileSize: number, samplesPerPixel: number, level = 6): Uint8Array {
  let data = pixels;
  if (samplesPerPixel === 3) {
    data = new Uint8Array(pixels);
    const stride = tileSize * 3;
    for (let y = 0; y < tileSize; y++) {
      const row = y * stride;
      for (let i = stride - 1; i >= 3; i--) data[row + i] = (data[row + i]! - data[row + i - 3]!) & 255;
    }
  }
  return deflateSync(data, { level });
}

function buildIfd(tags: Tag[], ifdOffset: number): Buffer {
  const size = (t: Tag) => t.values.length * (t.type === TYPE_DOUBLE ? 8 : t.type === TYPE_LONG ? 4 : 2);
  const entriesBytes = 2 + tags.length * 12 + 4;
  const extra = tags.reduce((sum, t) => sum + (size(t) > 4 ? size(t) + (size(t) % 2) : 0), 0);
  const buf = Buffer.alloc(entriesBytes + extra);
  buf.writeUInt16LE(tags.length, 0);
  let dataPos = entriesBytes;
  tags.forEach((tag, i) => {
    const at = 2 + i * 12;
    buf.writeUInt16LE(tag.code, at);
    buf.writeUInt16LE(tag.type, at + 2);
    buf.writeUInt32LE(tag.values.length, at + 4);
    const inline = size(tag) <= 4;
    let pos = inline ? at + 8 : dataPos;
    if (!inline) buf.writeUInt32LE(ifdOffset + dataPos, at + 8);
    for (const v of tag.values) {
      if (tag.type === TYPE_SHORT) pos = buf.writeUInt16LE(v, pos);
      else if (tag.type === TYPE_LONG) pos = buf.writeUInt32LE(v, pos);
      else pos = buf.writeDoubleLE(v, pos);
    }
    if (!inline) dataPos += size(tag) + (size(tag) % 2);
  });
  buf.writeUInt32LE(0, 2 + tags.length * 12); // no next IFD
  return buf;
}
