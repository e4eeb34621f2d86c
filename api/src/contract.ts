/**
 * The API's wire contract: the JSON the routes send and accept, declared once for the API and the web
 * app. Pure types and constants with no imports, because the browser bundles this file. Dates travel
 * as ISO strings. The API's modules take their shared unions (roles, statuses) from here.
 */
export type Role = 'admin' | 'reviewer' | 'planner' | 'tourism' | 'viewer';
export const ROLES = ['admin', 'reviewer', 'planner', 'tourism', 'viewer'] as const satisfies readonly Role[];

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  authorityId: number;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

export type Position = [number, number];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}

export interface CommuneProperties {
  insee: string;
  name: string;
  /** computed in Lambert-93 */
  areaM2: number;
  population: number | null;
}

export interface CommuneFeature {
  type: 'Feature';
  id: string;
  geometry: PolygonGeometry | MultiPolygonGeometry;
  properties: CommuneProperties;
}

export interface CommuneCollection {
  type: 'FeatureCollection';
  features: CommuneFeature[];
}

export interface Vintage {
  id: number;
  year: number;
  label: string;
  acquisitionDate: string | null;
  hasOrtho: boolean;
}

export type UseCase = 'dumps' | 'zan' | 'ortho';
/** Zoom range of the land-cover tile pyramid (`/api/zan/tiles/:vintage/{z}/{x}/{y}.png`): a commune on one screen, the finest rendered. */
export const LANDCOVER_MIN_ZOOM = 12;
export const LANDCOVER_MAX_ZOOM = 18;

export const USE_CASES = ['dumps', 'zan', 'ortho'] as const satisfies readonly UseCase[];
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunProgress {
  id: string;
  useCase: UseCase;
  status: RunStatus;
  totalChips: number;
  doneChips: number;
  failedChips: number;
  /** 0..1 */
  fraction: number;
  etaSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export const isFinished = (status: RunStatus): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled';

export interface NewRun {
  useCase: UseCase;
  vintage: number;
  model?: string;
  communes?: string[];
  area?: PolygonGeometry;
}

export interface ModelClass {
  id: number;
  name: string;
  label?: string;
  artificialised?: boolean;
  category?: string;
}

/** The model card (models/<id>/model.json) as stored; only the fields the web shows are typed. */
export interface ModelCard {
  input?: { width?: number; height?: number; channels?: number; channelOrder?: string; gsdM?: number };
  output?: { format?: string };
  classes?: ModelClass[];
  thresholds?: { score?: number; iou?: number };
  training?: { data?: string; seed?: number; recipe?: string };
  metrics?: { measuredAt?: string; command?: string; [name: string]: unknown };
}

export interface Model {
  id: string;
  version: string;
  task: 'detection' | 'segmentation' | 'counting';
  card: ModelCard;
}

// ---- Dépôts sauvages (api/src/http/routes/dumps.ts, api/src/dumps/feature.ts) ----

export type DumpStatus = 'a_verifier' | 'confirme' | 'faux_positif' | 'signale' | 'resorbe';
export const DUMP_STATUSES = ['a_verifier', 'confirme', 'faux_positif', 'signale', 'resorbe'] as const satisfies readonly DumpStatus[];
export type DumpChange = 'nouveau' | 'persistant' | 'disparu';
export const DUMP_CHANGES = ['nouveau', 'persistant', 'disparu'] as const satisfies readonly DumpChange[];

export interface DetectionProperties {
  id: number;
  status: DumpStatus;
  change: DumpChange;
  score: number;
  areaM2: number;
  communeInsee: string | null;
  communeName: string | null;
  vintage: number;
  firstSeenVintage: number | null;
  lon: number;
  lat: number;
  assignee: { id: number; name: string | null } | null;
  thumbnailUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DetectionFeature {
  type: 'Feature';
  id: number;
  geometry: PolygonGeometry | MultiPolygonGeometry | { type: 'Point'; coordinates: Position };
  properties: DetectionProperties;
}

export interface DetectionPage {
  type: 'FeatureCollection';
  features: DetectionFeature[];
  total: number;
  limit: number;
  offset: number;
}

/** What the list and the exports can be narrowed to (the API's query string). */
export interface DetectionFilters {
  status: DumpStatus[];
  change: DumpChange[];
  minScore: number;
  commune: string | null;
  vintage: number | null;
}

export interface DetectionComment {
  id: number;
  body: string;
  author: { id: number; name: string } | null;
  createdAt: string;
}

export interface DetectionHistoryEntry {
  at: string;
  action: string;
  user: { id: number; name: string } | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface DetectionDetail extends DetectionFeature {
  properties: DetectionProperties & { comments: DetectionComment[]; history: DetectionHistoryEntry[]; transitions: DumpStatus[] };
}

export interface DetectionChange {
  status?: DumpStatus;
  assigneeId?: number | null;
  comment?: string;
}

// ---- ZAN (api/src/http/routes/zan.ts, api/src/zan/queries.ts) ----

export interface Trajectory {
  referenceHa: number;
  targetReductionPct: number;
  guarantee: boolean;
  /** 2021–2030 envelope, ha (guarantee included) */
  budgetHa: number;
  /** whether the 1 ha guarantee raised the envelope */
  guaranteeApplied: boolean;
  consumedHa: number;
  /** budget − consumed, negative once exceeded */
  remainingHa: number;
  /** share of the envelope already consumed, % (null for a zero envelope) */
  consumedPct: number | null;
  asOfYear: number;
  yearsElapsed: number;
  /** consumption per year since 2021, ha/an (null before a full year has elapsed) */
  paceHaPerYear: number | null;
  /** consumption at the end of 2030 if the pace holds, ha */
  projectedHa: number | null;
  /** the calendar year in which the envelope runs out at this pace (null: never, pace zero) */
  exhaustionYear: number | null;
  /** the envelope is exceeded already, or will be before the end of 2030 at this pace */
  overshoot: boolean;
}

export interface ZanCommuneSummary {
  insee: string;
  name: string;
  areaM2: number;
  /** artificialised m² per vintage year */
  artificialisedM2: Record<string, number>;
  artificialisedPct: number | null;
  netChangeM2: number | null;
  /** the least share of the commune (%) an analysed vintage's orthophoto covers; null before any analysis */
  coveredPct: number | null;
  trajectory: Trajectory | null;
}

export interface ZanSummary {
  vintages: number[];
  communes: ZanCommuneSummary[];
  territory: { trajectory: Trajectory | null; communesWithTrajectory: number };
}

export interface ZanClassArea {
  classId: number;
  key: string;
  label: string;
  color: string;
  category: number;
  areaM2: number;
  artificialisedM2: number;
}

export interface ZanFlow {
  fromYear: number;
  toYear: number;
  artificialisationM2: number;
  renaturationM2: number;
  netM2: number;
  newlySealedM2: number;
  transitions: { fromClass: number; toClass: number; areaM2: number; artificialisedM2: number; renaturedM2: number }[];
}

/** Under this share of a commune covered by a vintage's map, its figures are said to be partial. */
export const PARTIAL_COVERAGE_PCT = 98;

/** Whether a commune covered at `coveredPct` % (null: not analysed) has partial figures: the one test of the table, map and report. */
export function partlyCovered(coveredPct: number | null): boolean {
  return coveredPct !== null && coveredPct < PARTIAL_COVERAGE_PCT;
}

export interface CommuneZan {
  commune: { insee: string; name: string; areaM2: number; population: number | null };
  /** coveredM2: what the vintage's map covers of the commune; coveredPct: that share of its area (an orthophoto may cover part of it) */
  vintages: { id: number; year: number; coveredM2: number; coveredPct: number; artificialisedM2: number; artificialisedPct: number; sealedM2: number; classes: ZanClassArea[] }[];
  /** consecutive analysed vintages, then first → last */
  flows: ZanFlow[];
  consumption: { baselineYear: number; asOfYear: number; consumedHa: number; estimated: boolean } | null;
  settings: { referenceConsumptionHa: number | null; targetReductionPct: number; guarantee: boolean };
  trajectory: Trajectory | null;
  trendsText: string;
  updatedAt: string | null;
}

export interface NomenclatureClass {
  id: number;
  key: string;
  label: string;
  ocsge: string;
  color: string;
  category: number;
  artificialised: boolean;
  sealed: boolean;
}

export interface Nomenclature {
  classes: NomenclatureClass[];
  builtMinM2: number;
  sealedMinM2: number;
  regionGapM: number;
}

export type LandChangeKind = 'artificialisation' | 'renaturation';
export type LandChangeReview = 'a_verifier' | 'confirme' | 'erreur_classification';

export interface LandChangeFeature {
  type: 'Feature';
  id: number;
  geometry: PolygonGeometry | MultiPolygonGeometry;
  properties: { id: number; communeInsee: string; kind: LandChangeKind; fromClass: number; toClass: number; areaM2: number; review: LandChangeReview; fromYear: number; toYear: number };
}

export interface LandChangeCollection {
  type: 'FeatureCollection';
  features: LandChangeFeature[];
}

// ---- Affluence (api/src/http/routes/affluence.ts, api/src/affluence/) ----

export type OccupancyLevel = 'calme' | 'frequente' | 'tres_frequente';

/** What an operator sends to create a sensor (PATCH takes any part of it); polygon and snapshot URL default to null. */
export interface SensorInput {
  name: string;
  zone: string;
  lon: number;
  lat: number;
  /** counts up to calmMax are "calme", up to busyMax "fréquenté", above "très fréquenté" */
  calmMax: number;
  busyMax: number;
  intervalS: number;
  /** polygon in image pixel coordinates, or null for the whole frame */
  countingPolygon?: [number, number][] | null;
  snapshotUrl?: string | null;
}

export interface Sensor extends Required<SensorInput> {
  id: number;
  createdAt: string;
}

export interface SensorStatus extends Sensor {
  online: boolean;
  latest: { observedAt: string; people: number; vehicles: number; level: OccupancyLevel } | null;
}

export type CountBucket = '15min' | 'hour' | 'day';

export interface CountPoint {
  start: string;
  samples: number;
  people: { mean: number; max: number } | null;
  vehicles: { mean: number; max: number } | null;
}

export interface CountSeries {
  sensorId: number;
  bucket: CountBucket;
  from: string;
  to: string;
  series: CountPoint[];
  gaps: { from: string; to: string }[];
  thresholds: { calmMax: number; busyMax: number };
}

/**
 * The ten categories of the annex to art. R101-1 (décret 2023-1096): 1° to 5° artificialised, 6° to 10° not.
 * Short labels for tables, legends and the nomenclature form (the legal French terms, in either language).
 */
export const CATEGORY_LABELS: Record<number, string> = {
  1: '1° bâti',
  2: '2° revêtement imperméable',
  3: '3° sols stabilisés, minéraux ou composites',
  4: '4° herbacé à usage résidentiel, économique ou d’infrastructure',
  5: '5° chantier ou abandon',
  6: '6° naturel nu ou en eau',
  7: '7° cultures',
  8: '8° sylviculture',
  9: '9° habitat naturel',
  10: '10° autres surfaces végétalisées',
};
