import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../db/schema';
import { VigieError } from '../errors';
import type { AppEnv } from '../http/context';
import { SESSION_COOKIE, findSession } from './sessions';

/** Marks a route's access rule so a test can check that every route declares one. */
export const ACCESS_RULE = Symbol('vigie.access');
type Guard = MiddlewareHandler<AppEnv> & { [ACCESS_RULE]: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Requires a signed-in user holding one of `roles` (admins pass everywhere; 'viewer' means any signed-in user).
 * Cookie-authenticated writes must echo the session's CSRF token in X-CSRF-Token.
 * OpenID Connect would plug in here: map the IdP's claims to a SessionUser and create the same session.
 */
export function requireRole(...roles: Role[]): Guard {
  const guard = createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await findSession(c.get('deps').db, token) : undefined;
    if (!session) throw new VigieError('unauthenticated', 'Connexion requise.', 401);
    const { user } = session;
    if (!(user.role === 'admin' || roles.includes('viewer') || roles.includes(user.role))) {
      throw new VigieError('forbidden', `Rôle insuffisant : ${roles.join(' ou ')} requis.`, 403);
    }
    if (!SAFE_METHODS.has(c.req.method) && c.req.header('x-csrf-token') !== session.csrfToken) {
      throw new VigieError('csrf', 'Jeton CSRF manquant ou invalide.', 403);
    }
    c.set('user', user);
    c.set('csrfToken', session.csrfToken);
    await next();
  }) as Guard;
  guard[ACCESS_RULE] = roles.join('|');
  return guard;
}

/** An explicitly public route (public affluence, open data, health, login). */
export function publicRoute(): Guard {
  const guard = createMiddleware<AppEnv>(async (_c, next) => {
    await next();
  }) as Guard;
  guard[ACCESS_RULE] = 'public';
  return guard;
}
