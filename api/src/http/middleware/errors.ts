import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDatabaseDown } from '../../db';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function errorResponse(c: Context, status: number, code: string, message: string, details?: unknown) {
  const body: ErrorEnvelope = { error: { code, message, requestId: c.get('requestId') } };
  if (details !== undefined) body.error.details = details;
  return c.json(body, status as ContentfulStatusCode);
}

/** Every failure leaves as the same JSON envelope; unexpected ones are logged and answered 500 without internals. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof VigieError) return errorResponse(c, error.status, error.code, error.message, error.details);
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'http_error';
    const message = status === 413 ? 'Corps de requête trop volumineux.' : error.message || 'Erreur HTTP.';
    return errorResponse(c, status, code, message);
  }
  if (isDatabaseDown(error)) {
    c.get('log')?.warn({ err: error }, 'database unavailable');
    return errorResponse(c, 503, 'database_unavailable', 'Base de données momentanément indisponible, réessayez.');
  }
  c.get('log')?.error({ err: error }, 'unhandled error');
  return errorResponse(c, 500, 'internal_error', 'Erreur interne. Référence : ' + (c.get('requestId') ?? ''));
};

/** Unknown path → 404; known path with another method → 405 with Allow. */
export function notFoundHandler(routes: () => { method: string; path: string }[]): NotFoundHandler<AppEnv> {
  return (c) => {
    const allowed = new Set(
      routes()
        .filter((r) => r.method !== 'ALL' && routePattern(r.path).test(c.req.path))
        .map((r) => r.method),
    );
    if (allowed.size > 0) {
      c.header('Allow', [...allowed].join(', '));
      return errorResponse(c, 405, 'method_not_allowed', `Méthode ${c.req.method} non permise ici (permises : ${[...allowed].join(', ')}).`);
    }
    return errorResponse(c, 404, 'not_found', `Aucune route ${c.req.method} ${c.req.path}.`);
  };
}

function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}
