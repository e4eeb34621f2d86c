import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { requireRole, publicRoute } from '../../auth/guard';
import { passwordLogin } from '../../auth/login';
import { SESSION_COOKIE, deleteSession } from '../../auth/sessions';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';
import { parseBody } from '../validate';

const Login = z.object({ email: z.string().trim().min(3).max(200), password: z.string().min(1).max(200) }).strict();

/**
 * The socket's peer address. X-Forwarded-For is not trusted: anyone can write it. Behind a reverse proxy every
 * client shares the proxy's address, and the per-account limit and lockout still apply.
 */
function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const auth = new Hono<AppEnv>()
  .post('/login', publicRoute(), async (c) => {
    // JSON only: a cross-site HTML form cannot send it without a CORS preflight, which rules out login CSRF
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new VigieError('unsupported_media_type', 'La connexion attend un corps JSON (Content-Type: application/json).', 415);
    }
    const { email, password } = await parseBody(c, Login);
    try {
      const session = await passwordLogin(c.get('deps').db, { email, password, clientAddress: clientAddress(c) });
      setCookie(c, SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
        path: '/',
        expires: session.expiresAt,
      });
      return c.json({ user: session.user, csrfToken: session.csrfToken });
    } catch (error) {
      if (error instanceof VigieError && error.status === 429) {
        c.header('Retry-After', String((error.details as { retryAfterS: number }).retryAfterS));
      }
      throw error;
    }
  })
  .post('/logout', requireRole('viewer'), async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await deleteSession(c.get('deps').db, token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  })
  .get('/me', requireRole('viewer'), (c) => c.json({ user: c.get('user'), csrfToken: c.get('csrfToken') }));
