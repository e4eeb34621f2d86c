import type { ColumnType, Generated } from 'kysely';
import type { DumpChange, DumpStatus, LandChangeKind, LandChangeReview, Role, RunStatus, UseCase } from '../contract';

/** The whole database as one typed interface (camelCase here, snake_case in PostgreSQL). */
export interface Database {
  authority: AuthorityTable;
  appUser: AppUserTable;
  userSession: UserSessionTable;
  commune: CommuneTable;
  vintage: VintageTable;
  imagerySource: ImagerySourceTable;
  model: ModelTable;
  run: RunTable;
  runChip: RunChipTable;
  dumpCandidate: DumpCandidateTable;
  dumpDetection: DumpDetectionTable;
  dumpComment: DumpCommentTable;
  landcoverStat: LandcoverStatTable;
  landChange: LandChangeTable;
  zanTrajectory: ZanTrajectoryTable;
  zanSetting: ZanSettingTable;
  landFlow: LandFlowTable;
  sensor: SensorTable;
  sensorCount: SensorCountTable;
  auditLog: AuditLogTable;
}

/** jsonb: postgres.js serialises objects itself (a JSON.stringify'd string would be stored as a JSON string). */
type JSONColumnType<T> = ColumnType<T, T, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A PostgreSQL `box`, written as '(x1,y1),(x2,y2)'; bbox lookups use its GiST index. */
type Box = ColumnType<string, string, string>;
export type GeoJsonGeometry = { type: string; coordinates: unknown };

// the unions the API also sends are declared once, in the wire contract
export { ROLES } from '../contract';
export type { DumpChange, DumpStatus, Role, RunStatus, UseCase };
export type ChipStatus = 'pending' | 'done' | 'failed';
export type ChangeKind = LandChangeKind;
export type ChangeReview = LandChangeReview;

export interface AuthorityTable {
  id: Generated<number>;
  slug: string;
  name: string;
  createdAt: Timestamp;
}

export interface AppUserTable {
  id: Generated<number>;
  authorityId: number;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  failedLogins: Generated<number>;
  lockedUntil: Timestamp | null;
  createdAt: Timestamp;
}

export interface UserSessionTable {
  /** sha256 of the cookie token: a leaked table does not leak sessions */
  tokenHash: string;
  userId: number;
  csrfToken: string;
  expiresAt: Timestamp;
  createdAt: Timestamp;
}

export interface CommuneTable {
  id: Generated<number>;
  authorityId: number;
  insee: string;
  name: string;
  /** WGS84 GeoJSON Polygon or MultiPolygon */
  geometry: JSONColumnType<GeoJsonGeometry>;
  /** WGS84 lon/lat box */
  bbox: Box;
  /** computed in Lambert-93 */
  areaM2: number;
  population: number | null;
}

export interface VintageTable {
  id: Generated<number>;
  authorityId: number;
  year: number;
  label: string;
  acquisitionDate: string | null;
}

export interface ImagerySourceTable {
  id: Generated<number>;
  authorityId: number;
  vintageId: number;
  kind: 'geotiff' | 'xyz' | 'wmts';
  /** file path (GeoTIFF) or URL template (XYZ/WMTS) */
  uri: string;
  epsg: number;
  /** native CRS bounds */
  bounds: JSONColumnType<[number, number, number, number]>;
  /** WGS84 lon/lat box */
  bbox: Box;
  gsdM: number;
  width: number | null;
  height: number | null;
  bands: number;
  /** what each sample is (null: skipped, e.g. alpha); null for sources registered without their bands known */
  bandNames: ColumnType<(string | null)[] | null, (string | null)[] | null | undefined, (string | null)[] | null>;
  createdAt: Timestamp;
}

export interface ModelTable {
  id: string;
  version: string;
  task: 'detection' | 'segmentation' | 'counting';
  card: JSONColumnType<Record<string, unknown>>;
  filePath: string;
  sha256: string;
  createdAt: Timestamp;
}

export interface RunTable {
  id: Generated<string>;
  authorityId: number;
  useCase: UseCase;
  modelId: string | null;
  vintageId: number | null;
  /** WGS84 GeoJSON geometry of the analysed area */
  area: JSONColumnType<GeoJsonGeometry> | null;
  communeInsees: ColumnType<string[], string[] | undefined, string[]>;
  options: JSONColumnType<Record<string, unknown>>;
  status: Generated<RunStatus>;
  totalChips: Generated<number>;
  doneChips: Generated<number>;
  failedChips: Generated<number>;
  createdBy: number | null;
  createdAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  error: string | null;
}

/** One unit of work of a run; (runId, chipKey) is the natural key every result is upserted on. */
export interface RunChipTable {
  runId: string;
  chipKey: string;
  status: Generated<ChipStatus>;
  attempts: Generated<number>;
  error: string | null;
  resultCount: Generated<number>;
  durationMs: number | null;
  updatedAt: Timestamp;
}

/** Raw per-chip detections, before merging across chip borders. */
export interface DumpCandidateTable {
  runId: string;
  chipKey: string;
  idx: number;
  score: number;
  /** Lambert-93 box [minX, minY, maxX, maxY] */
  boxL93: JSONColumnType<[number, number, number, number]>;
}

export interface DumpDetectionTable {
  id: Generated<number>;
  authorityId: number;
  runId: string;
  vintageId: number;
  /** stable key of the merged detection inside its run */
  mergeKey: string;
  footprint: JSONColumnType<GeoJsonGeometry>;
  bbox: Box;
  lon: number;
  lat: number;
  xL93: number;
  yL93: number;
  score: number;
  areaM2: number;
  communeInsee: string | null;
  status: Generated<DumpStatus>;
  assigneeId: number | null;
  change: Generated<DumpChange>;
  firstSeenVintageId: number | null;
  previousDetectionId: number | null;
  thumbnailPath: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface DumpCommentTable {
  id: Generated<number>;
  detectionId: number;
  authorId: number | null;
  body: string;
  createdAt: Timestamp;
}

export interface LandcoverStatTable {
  authorityId: number;
  vintageId: number;
  communeInsee: string;
  classId: number;
  areaM2: number;
  artificialisedM2: number;
  runId: string;
}

export interface LandChangeTable {
  id: Generated<number>;
  authorityId: number;
  fromVintageId: number;
  toVintageId: number;
  communeInsee: string | null;
  kind: ChangeKind;
  fromClass: number;
  toClass: number;
  geometry: JSONColumnType<GeoJsonGeometry>;
  bbox: Box;
  areaM2: number;
  review: Generated<ChangeReview>;
  /** stable inside (authority, from, to): a re-run updates the polygon and keeps its review */
  changeKey: string | null;
}

export interface ZanTrajectoryTable {
  authorityId: number;
  communeInsee: string;
  /** NAF consumption 2011–2020 in ha; null while only the trends text is set */
  referenceConsumptionHa: number | null;
  targetReductionPct: Generated<number>;
  guarantee: Generated<boolean>;
  trendsText: Generated<string>;
  updatedAt: Timestamp;
}

/** The land-cover nomenclature an authority applies (see api/src/zan/nomenclature.ts). */
export interface ZanSettingTable {
  authorityId: number;
  nomenclature: JSONColumnType<Record<string, unknown>>;
  updatedAt: Timestamp;
}

/** Area moving from one class to another between two vintages, per commune (from < to in time). */
export interface LandFlowTable {
  authorityId: number;
  fromVintageId: number;
  toVintageId: number;
  communeInsee: string;
  fromClass: number;
  toClass: number;
  areaM2: number;
  /** part of areaM2 going from non-artificialised to artificialised */
  artificialisedM2: number;
  /** part of areaM2 going from artificialised to non-artificialised */
  renaturedM2: number;
}

export interface SensorTable {
  id: Generated<number>;
  authorityId: number;
  name: string;
  zone: string;
  lon: number;
  lat: number;
  /** counts up to calmMax are "calme", up to busyMax "fréquenté", above "très fréquenté" */
  calmMax: number;
  busyMax: number;
  intervalS: number;
  /** polygon in image pixel coordinates, or null for the whole frame */
  countingPolygon: JSONColumnType<[number, number][]> | null;
  snapshotUrl: string | null;
  keyHash: string;
  createdAt: Timestamp;
}

export interface SensorCountTable {
  sensorId: number;
  observedAt: Timestamp;
  people: number;
  vehicles: number;
}

/** Append-only: a trigger refuses UPDATE and DELETE. */
export interface AuditLogTable {
  id: Generated<string>;
  authorityId: number | null;
  userId: number | null;
  action: string;
  entity: string;
  entityId: string;
  before: JSONColumnType<Record<string, unknown>> | null;
  after: JSONColumnType<Record<string, unknown>> | null;
  at: Timestamp;
}
