import { type Kysely, sql } from 'kysely';
import type { Database, DumpChange, DumpStatus, GeoJsonGeometry } from '../db/schema';
import { notFound } from '../errors';
import type { Bbox, Page } from '../http/limits';
import { TRANSITIONS } from './status';

/** What a list of detections can be narrowed to; every field is optional and they combine with AND. */
export interface DetectionFilters {
  /** WGS84 lon/lat box, matched on the GiST-indexed bbox column */
  bbox?: Bbox;
  commune?: string;
  status?: DumpStatus[];
  minScore?: number;
  /** the vintage's year */
  vintage?: number;
  change?: DumpChange[];
  assigneeId?: number;
}

/** A detection as the review queue, the exports and the OGC API see it. */
export interface Detection {
  id: number;
  status: DumpStatus;
  change: DumpChange;
  score: number;
  areaM2: number;
  lon: number;
  lat: number;
  xL93: number;
  yL93: number;
  footprint: GeoJsonGeometry;
  communeInsee: string | null;
  communeName: string | null;
  vintageId: number;
  vintageYear: number;
  firstSeenYear: number | null;
  assigneeId: number | null;
  assigneeName: string | null;
  hasThumbnail: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The audit log's entity name for a detection. */
export const DETECTION_ENTITY = 'dump_detection';

/** A PostgreSQL box literal from a lon/lat box (sent as a bound parameter, never spliced into SQL). */
export const boxText = ([minLon, minLat, maxLon, maxLat]: Bbox) => `(${minLon},${minLat}),(${maxLon},${maxLat})`;

/** The authority's detections narrowed by `filters`; both the page and its total start from here. */
function filtered(db: Kysely<Database>, authorityId: number, filters: DetectionFilters) {
  const { bbox, commune, status, minScore, vintage, change, assigneeId } = filters;
  // no join: a page of the queue and the total are then read from the queue's index alone
  return db
    .selectFrom('dumpDetection as d')
    .where('d.authorityId', '=', authorityId)
    .$if(bbox !== undefined, (q) => q.where(sql<boolean>`d.bbox && ${boxText(bbox!)}::box`))
    .$if(commune !== undefined, (q) => q.where('d.communeInsee', '=', commune!))
    .$if(status !== undefined && status.length > 0, (q) => q.where('d.status', 'in', status!))
    .$if(minScore !== undefined, (q) => q.where('d.score', '>=', minScore!))
    .$if(vintage !== undefined, (q) => q.where('d.vintageId', 'in', db.selectFrom('vintage').select('id').where('authorityId', '=', authorityId).where('year', '=', vintage!)))
    .$if(change !== undefined && change.length > 0, (q) => q.where('d.change', 'in', change!))
    .$if(assigneeId !== undefined, (q) => q.where('d.assigneeId', '=', assigneeId!));
}

function withDetails(query: ReturnType<typeof filtered>) {
  return query
    .innerJoin('vintage as v', 'v.id', 'd.vintageId')
    .leftJoin('vintage as fv', 'fv.id', 'd.firstSeenVintageId')
    .leftJoin('commune as c', (join) => join.onRef('c.insee', '=', 'd.communeInsee').onRef('c.authorityId', '=', 'd.authorityId'))
    .leftJoin('appUser as u', 'u.id', 'd.assigneeId')
    .select([
      'd.id', 'd.status', 'd.change', 'd.score', 'd.areaM2', 'd.lon', 'd.lat', 'd.xL93', 'd.yL93', 'd.footprint',
      'd.communeInsee', 'c.name as communeName', 'd.vintageId', 'v.year as vintageYear', 'fv.year as firstSeenYear',
      'd.assigneeId', 'u.name as assigneeName', 'd.createdAt', 'd.updatedAt',
      // rows come out as Detections, with no copy of each (50,000 of them on a large territory's map)
      sql<boolean>`d.thumbnail_path is not null`.as('hasThumbnail'),
    ]);
}

export async function countDetections(db: Kysely<Database>, authorityId: number, filters: DetectionFilters): Promise<number> {
  const row = await filtered(db, authorityId, filters)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of detections, best scores first (the review queue's order), with the total before paging. */
export async function listDetections(
  db: Kysely<Database>,
  authorityId: number,
  filters: DetectionFilters,
  page: Page,
): Promise<{ total: number; detections: Detection[] }> {
  // the page's ids first, in the queue's order from its index; the details are joined to those rows only, not
  // to every row the offset skips
  const pageIds = filtered(db, authorityId, filters).select('d.id').orderBy('d.score', 'desc').orderBy('d.id').limit(page.limit).offset(page.offset);
  const [total, rows] = await Promise.all([
    countDetections(db, authorityId, filters),
    withDetails(filtered(db, authorityId, {})).where('d.id', 'in', pageIds).orderBy('d.score', 'desc').orderBy('d.id').execute(),
  ]);
  return { total, detections: rows };
}

/** Every detection matching `filters` in id order (exports); the caller bounds the count first. */
export async function allDetections(db: Kysely<Database>, authorityId: number, filters: DetectionFilters): Promise<Detection[]> {
  return withDetails(filtered(db, authorityId, filters)).orderBy('d.id').execute();
}

/** One detection of the authority; another authority's answers the same 404 as a missing one. */
export async function getDetection(db: Kysely<Database>, authorityId: number, id: number): Promise<Detection> {
  const row = await withDetails(filtered(db, authorityId, {})).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Détection');
  return row;
}

export async function thumbnailKey(db: Kysely<Database>, authorityId: number, id: number): Promise<string> {
  const row = await db
    .selectFrom('dumpDetection')
    .select('thumbnailPath')
    .where('id', '=', id)
    .where('authorityId', '=', authorityId)
    .executeTakeFirst();
  if (!row) throw notFound('Détection');
  if (!row.thumbnailPath) throw notFound('Vignette');
  return row.thumbnailPath;
}

export interface DetectionComment {
  id: number;
  body: string;
  author: { id: number; name: string } | null;
  createdAt: Date;
}

export interface HistoryEntry {
  at: Date;
  action: string;
  user: { id: number; name: string } | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function detectionComments(db: Kysely<Database>, id: number): Promise<DetectionComment[]> {
  const rows = await db
    .selectFrom('dumpComment as m')
    .leftJoin('appUser as u', 'u.id', 'm.authorId')
    .select(['m.id', 'm.body', 'm.createdAt', 'm.authorId', 'u.name as authorName'])
    .where('m.detectionId', '=', id)
    .orderBy('m.createdAt')
    .orderBy('m.id')
    .execute();
  return rows.map(({ authorId, authorName, ...c }) => ({ ...c, author: authorId === null ? null : { id: authorId, name: authorName ?? '' } }));
}

/** Who changed what and when, read back from the append-only audit log. */
export async function detectionHistory(db: Kysely<Database>, authorityId: number, id: number): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('auditLog as a')
    .leftJoin('appUser as u', 'u.id', 'a.userId')
    .select(['a.at', 'a.action', 'a.before', 'a.after', 'a.userId', 'u.name as userName'])
    .where('a.entity', '=', DETECTION_ENTITY)
    .where('a.entityId', '=', String(id))
    .where('a.authorityId', '=', authorityId)
    .orderBy('a.at')
    .orderBy('a.id')
    .execute();
  return rows.map(({ userId, userName, ...h }) => ({ ...h, user: userId === null ? null : { id: userId, name: userName ?? '' } }));
}

export interface DetectionDetail {
  detection: Detection;
  comments: DetectionComment[];
  history: HistoryEntry[];
  /** the statuses the workflow allows next */
  transitions: readonly DumpStatus[];
}

export async function detectionDetail(db: Kysely<Database>, authorityId: number, id: number): Promise<DetectionDetail> {
  const detection = await getDetection(db, authorityId, id);
  const [comments, history] = await Promise.all([detectionComments(db, id), detectionHistory(db, authorityId, id)]);
  return { detection, comments, history, transitions: TRANSITIONS[detection.status] };
}
