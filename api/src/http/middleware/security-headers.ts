import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context';

/** Pages made to be framed by any site (the tourism office's affluence widget). */
export const EMBED_PREFIX = '/affluence/embed/';

/**
 * The web app's policy: scripts and styles from this origin only; maplibre and deck.gl build their workers
 * from blobs and draw images from blobs and data URLs. connect-src/img-src also admit the configured
 * base map host (VIGIE_BASEMAP_ORIGINS, space-separated origins, e.g. "https://data.geopf.fr").
 */
function contentSecurityPolicy(frameAncestors: string[], extraOrigins: string[]) {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    workerSrc: ["'self'", 'blob:'],
    childSrc: ["'self'", 'blob:'],
    imgSrc: ["'self'", 'data:', 'blob:', ...extraOrigins],
    styleSrc: ["'self'", "'unsafe-inline'"],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'", ...extraOrigins],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors,
  };
}

/** Security headers on every response; only EMBED_PREFIX pages may be framed, by anyone. */
export function securityHeaders(env: NodeJS.ProcessEnv = process.env): MiddlewareHandler<AppEnv> {
  const extraOrigins = (env.VIGIE_BASEMAP_ORIGINS ?? '').split(/\s+/).filter((o) => /^https?:\/\/[\w.-]+(:\d+)?$/.test(o));
  const everywhere = secureHeaders({
    contentSecurityPolicy: contentSecurityPolicy(["'none'"], extraOrigins),
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'same-origin',
  });
  const embed = secureHeaders({
    contentSecurityPolicy: contentSecurityPolicy(['*'], extraOrigins),
    xFrameOptions: false,
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'cross-origin',
    crossOriginOpenerPolicy: false,
  });
  return (c, next) => (c.req.path.startsWith(EMBED_PREFIX) ? embed(c, next) : everywhere(c, next));
}
