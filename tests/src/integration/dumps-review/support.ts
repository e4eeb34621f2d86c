import { crc32, inflateRawSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import type { Database, DumpChange, DumpStatus } from '@vigie/api/db';
import { toLambert93, toWgs84 } from '@vigie/api/geo';
import type { Storage } from '@vigie/api/storage';

/** A commune of the test territory: a lon/lat rectangle (its area in m², 10 km² unless given). */
export async function seedCommune(db: Kysely<Database>, authorityId: number, insee: string, name: string, [minLon, minLat, maxLon, maxLat]: [number, number, number, number], areaM2 = 1e7) {
  await db
    .insertInto('commune')
    .values({
      authorityId, insee, name,
      geometry: { type: 'Polygon', coordinates: [[[minLon, minLat], [maxLon, minLat], [maxLon, maxLat], [minLon, maxLat], [minLon, minLat]]] },
      bbox: `(${minLon},${minLat}),(${maxLon},${maxLat})`,
      areaM2,
      population: 1000,
    })
    .execute();
}

export async function seedVintage(db: Kysely<Database>, authorityId: number, year: number): Promise<number> {
  const row = await db.insertInto('vintage').values({ authorityId, year, label: `BD ORTHO ${year}`, acquisitionDate: `${year}-06-15` }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** A finished dumps run to hang detections on (the pipeline that makes real ones is tested elsewhere). */
export async function seedRun(db: Kysely<Database>, authorityId: number, vintageId: number): Promise<string> {
  const row = await db
    .insertInto('run')
    .values({ authorityId, useCase: 'dumps', vintageId, options: {}, status: 'succeeded', finishedAt: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

let thumbnailJpeg: Promise<Buffer> | undefined;
export const aThumbnail = () =>
  (thumbnailJpeg ??= sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 120, g: 90, b: 40 } } }).jpeg().toBuffer());

export interface NewDetection {
  /** centre in Lambert-93 metres */
  x: number;
  y: number;
  /** side of the square footprint, metres */
  side?: number;
  score?: number;
  commune?: string | null;
  status?: DumpStatus;
  change?: DumpChange;
  firstSeenVintageId?: number;
  thumbnail?: boolean;
}

let key = 0;

/** Inserts a detection the way the pipeline does (WGS84 footprint and box, Lambert-93 centre, thumbnail in storage). */
export async function seedDetection(
  deps: { db: Kysely<Database>; storage: Storage },
  at: { authorityId: number; runId: string; vintageId: number },
  d: NewDetection,
): Promise<number> {
  const half = (d.side ?? 6) / 2;
  const corners: [number, number][] = [[d.x - half, d.y + half], [d.x + half, d.y + half], [d.x + half, d.y - half], [d.x - half, d.y - half], [d.x - half, d.y + half]];
  const ring = corners.map((p) => toWgs84(p));
  const lons = ring.map((p) => p[0]), lats = ring.map((p) => p[1]);
  const [lon, lat] = toWgs84([d.x, d.y]);
  const mergeKey = `test_${++key}`;
  let thumbnailPath: string | null = null;
  if (d.thumbnail !== false) {
    thumbnailPath = `thumbs/dumps/${at.authorityId}/${at.runId}/${mergeKey}.jpg`;
    await deps.storage.put(thumbnailPath, await aThumbnail());
  }
  const row = await deps.db
    .insertInto('dumpDetection')
    .values({
      authorityId: at.authorityId, runId: at.runId, vintageId: at.vintageId, mergeKey,
      footprint: { type: 'Polygon', coordinates: [ring] },
      bbox: `(${Math.min(...lons)},${Math.min(...lats)}),(${Math.max(...lons)},${Math.max(...lats)})`,
      lon, lat, xL93: d.x, yL93: d.y,
      score: d.score ?? 0.8,
      areaM2: (2 * half) ** 2,
      communeInsee: d.commune === undefined ? null : d.commune,
      status: d.status ?? 'a_verifier',
      change: d.change ?? 'nouveau',
      firstSeenVintageId: d.firstSeenVintageId ?? at.vintageId,
      previousDetectionId: null,
      thumbnailPath,
      assigneeId: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Lambert-93 of a lon/lat, for placing test detections inside a commune. */
export const l93 = (lon: number, lat: number) => toLambert93([lon, lat]);

/** Reads a ZIP archive through its central directory, checking every entry's CRC (stored or deflated). */
export function readZip(archive: Buffer): Map<string, Buffer> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central header ${i}`);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (archive.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const stored = archive.subarray(dataStart, dataStart + size);
    const bytes = method === 0 ? Buffer.from(stored) : inflateRawSync(stored);
    if (crc32(bytes) !== crc) throw new Error(`CRC mismatch for ${name}`);
    files.set(name, bytes);
    at += 46 + nameLength + extra;
  }
  return files;
}
