import type { CommuneCollection, Model, NewRun, RunProgress, Session, Vintage } from './types';

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
  startRun: (run: NewRun) => request<RunProgress>('POST', '/api/runs', run),
  cancelRun: (id: string) => request<RunProgress>('POST', `/api/runs/${encodeURIComponent(id)}/cancel`),
  resumeRun: (id: string) => request<RunProgress>('POST', `/api/runs/${encodeURIComponent(id)}/resume`),
};

/** The orthophoto tile template of a vintage, for a maplibre raster source. */
export const orthoTileTemplate = (year: number) => `${window.location.origin}/api/imagery/tiles/${year}/{z}/{x}/{y}.webp`;
