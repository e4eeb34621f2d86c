/** What the Vigie API sends, as the web app reads it (mirrors api/src/http/routes). */
export type Role = 'admin' | 'reviewer' | 'planner' | 'tourism' | 'viewer';

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
export const USE_CASES: readonly UseCase[] = ['dumps', 'zan', 'ortho'];
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

export const isFinished = (status: RunStatus) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

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
