import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import type { GeoTransform } from '../geo';
import type { Storage } from '../storage';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** Class id of pixels outside the analysed area. */
export const NO_DATA = 255;

/**
 * The seam-free land-cover map of one vintage: one class id per pixel, Lambert-93 (EPSG:2154), north-up,
 * at the orthophoto's resolution. Stored as deflated raw bytes + a JSON header, one per vintage (the
 * latest succeeded run wins).
 */
export interface ClassRaster {
  classes: Uint8Array;
  width: number;
  height: number;
  geoTransform: GeoTransform;
  vintageId: number;
  runId: string;
}

const base = (authorityId: number, vintageId: number) => `zan/${authorityId}/${vintageId}`;

export async function saveClassRaster(storage: Storage, authorityId: number, raster: ClassRaster): Promise<void> {
  const { classes, ...header } = raster;
  await storage.put(`${base(authorityId, raster.vintageId)}/classes.bin`, await deflateAsync(classes, { level: 6 }));
  await storage.put(`${base(authorityId, raster.vintageId)}/classes.json`, Buffer.from(JSON.stringify({ ...header, epsg: 2154 })));
}

export async function loadClassRaster(storage: Storage, authorityId: number, vintageId: number): Promise<ClassRaster | undefined> {
  const meta = await classRasterHeader(storage, authorityId, vintageId);
  const bytes = await storage.get(`${base(authorityId, vintageId)}/classes.bin`);
  if (!meta || !bytes) return undefined;
  // 4 MB output chunks: with zlib's default 16 KB, a 2 km territory's 100 MB map took 6× longer, one callback per chunk
  const inflated = await inflateAsync(bytes, { chunkSize: 1 << 22 });
  const classes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  if (classes.length !== meta.width * meta.height) throw new Error(`carte d’occupation du sol ${vintageId} tronquée`);
  return { ...meta, classes };
}

/** A vintage's stored map without its pixels: size, grid and the run it is from. */
export type ClassRasterHeader = Omit<ClassRaster, 'classes'>;

export async function classRasterHeader(storage: Storage, authorityId: number, vintageId: number): Promise<ClassRasterHeader | undefined> {
  const header = await storage.get(`${base(authorityId, vintageId)}/classes.json`);
  return header ? (JSON.parse(header.toString('utf8')) as ClassRasterHeader) : undefined;
}

/** The run whose map is current for a vintage (its tiles are the ones served). */
export async function currentLandcoverRun(storage: Storage, authorityId: number, vintageId: number): Promise<string | undefined> {
  return (await classRasterHeader(storage, authorityId, vintageId))?.runId;
}

export const landcoverTileKey = (authorityId: number, vintageId: number, runId: string, z: number, x: number, y: number) =>
  `tiles/zan/${authorityId}/${vintageId}/${runId}/${z}/${x}/${y}.png`;
