import type {
  CommuneCollection, CommuneZan, CountBucket, CountSeries, DetectionChange, DetectionDetail, DetectionFilters, DetectionPage, LandChangeCollection,
  Model, NewRun, Nomenclature, RunProgress, Sensor, SensorInput, SensorStatus, Session, Vintage, ZanSummary,
} from '@vigie/api/contract';

/** A failed API call: the server's error envelope `{ error: { code, message } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** The session's CSRF token, echoed on every write (the session cookie itself is HTTP-only). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('network', 'Serveur injoignable. Vérifiez la connexion.', 0);
  }
  const text = await res.text();
  let payload: unknown = undefined;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: fall through to the status check
  }
  if (!res.ok) {
    const error = (payload as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(error?.code ?? 'http_error', error?.message ?? `Erreur HTTP ${res.status}`, res.status);
  }
  return payload as T;
}

export const api = {
  login: (email: string, password: string) => request<Session>('POST', '/api/auth/login', { email, password }),
  me: () => request<Session>('GET', '/api/auth/me'),
  logout: () => request<{ ok: true }>('POST', '/api/auth/logout'),
  communes: () => request<CommuneCollection>('GET', '/api/communes'),
  vintages: () => request<Vintage[]>('GET', '/api/vintages'),
  models: () => request<Model[]>('GET', '/api/models'),
  runs: () => request<{ runs: RunProgress[] }>('GET', '/api/runs'),
  run: (id: string) => request<RunProgress>('GET', `/api/runs/${encodeURIComponent(id)}`),
  startRun: (run: NewRun) => request<RunProgress>('POST', '/api/runs', run),
  cancelRun: (id: string) => request<RunProgress>('POST', `/api/runs/${encodeURIComponent(id)}/cancel`),
  resumeRun: (id: string) => request<RunProgress>('POST', `/api/runs/${encodeURIComponent(id)}/resume`),

  detections: (filters: DetectionFilters, page: { limit: number; offset: number }) =>
    request<DetectionPage>('GET', `/api/dumps/detections?${detectionQuery(filters, page)}`),
  detection: (id: number) => request<DetectionDetail>('GET', `/api/dumps/detections/${id}`),
  reviewDetection: (id: number, change: DetectionChange) => request<DetectionDetail>('PATCH', `/api/dumps/detections/${id}`, change),

  zanSummary: () => request<ZanSummary>('GET', '/api/zan/summary'),
  zanNomenclature: () => request<Nomenclature>('GET', '/api/zan/nomenclature'),
  zanSetNomenclature: (body: Nomenclature) => request<Nomenclature>('PUT', '/api/zan/nomenclature', body),
  zanCommune: (insee: string) => request<CommuneZan>('GET', `/api/zan/communes/${encodeURIComponent(insee)}`),
  zanSetTrajectory: (insee: string, body: { referenceConsumptionHa: number | null; targetReductionPct: number; guarantee: boolean }) =>
    request<CommuneZan>('PUT', `/api/zan/communes/${encodeURIComponent(insee)}/trajectory`, body),
  zanChanges: (query: { from?: number; to?: number; limit: number; offset: number }) =>
    request<LandChangeCollection>('GET', `/api/zan/changes?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`),

  sensors: () => request<{ sensors: SensorStatus[] }>('GET', '/api/affluence/sensors'),
  createSensor: (input: SensorInput) => request<{ sensor: Sensor; key: string }>('POST', '/api/affluence/sensors', input),
  updateSensor: (id: number, patch: Partial<SensorInput>) => request<{ sensor: Sensor }>('PATCH', `/api/affluence/sensors/${id}`, patch),
  deleteSensor: (id: number) => request<{ ok: true }>('DELETE', `/api/affluence/sensors/${id}`),
  rotateSensorKey: (id: number) => request<{ key: string }>('POST', `/api/affluence/sensors/${id}/key`),
  sensorCounts: (id: number, bucket: CountBucket, from: Date, to: Date) =>
    request<CountSeries>('GET', `/api/affluence/sensors/${id}/counts?${new URLSearchParams({ bucket, from: from.toISOString(), to: to.toISOString() })}`),
};

/** The detections list's query string; the exports take the same filters. */
export function detectionQuery(filters: DetectionFilters, page?: { limit: number; offset: number }): string {
  const query = new URLSearchParams();
  if (filters.status.length > 0) query.set('status', filters.status.join(','));
  if (filters.change.length > 0) query.set('change', filters.change.join(','));
  if (filters.minScore > 0) query.set('minScore', String(filters.minScore));
  if (filters.commune) query.set('commune', filters.commune);
  if (filters.vintage !== null) query.set('vintage', String(filters.vintage));
  if (page) {
    query.set('limit', String(page.limit));
    query.set('offset', String(page.offset));
  }
  return query.toString();
}

/** The orthophoto tile template of a vintage, for a maplibre raster source. */
export const orthoTileTemplate = (year: number) => `${window.location.origin}/api/imagery/tiles/${year}/{z}/{x}/{y}.webp`;
