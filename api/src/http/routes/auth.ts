import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { requireRole, publicRoute } from '../../auth/guard';
import { verifyPassword } from '../../auth/passwords';
import { SESSION_COOKIE, createSession, deleteSession } from '../../auth/sessions';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';
import { parseBody } from '../validate';

const Login = z.object({ email: z.string().trim().min(3).max(200), password: z.string().min(1).max(200) });

const LOCK_AFTER_FAILURES = 5;
const LOCK_MS = 15 * 60 * 1000;

export const auth = new Hono<AppEnv>()
  .post('/login', publicRoute(), async (c) => {
    const { email, password } = await parseBody(c, Login);
    const { db } = c.get('deps');
    const user = await db.selectFrom('appUser').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    const refused = new VigieError('bad_credentials', 'Identifiant ou mot de passe incorrect.', 401);
    if (!user) throw refused;
    if (user.lockedUntil && new Date(user.lockedUntil) > new Date()) {
      throw new VigieError('account_locked', 'Compte verrouillé après trop d’échecs ; réessayez dans 15 minutes.', 429);
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      const failures = user.failedLogins + 1;
      await db
        .updateTable('appUser')
        .set({ failedLogins: failures >= LOCK_AFTER_FAILURES ? 0 : failures, lockedUntil: failures >= LOCK_AFTER_FAILURES ? new Date(Date.now() + LOCK_MS) : null })
        .where('id', '=', user.id)
        .execute();
      throw refused;
    }
    await db.updateTable('appUser').set({ failedLogins: 0, lockedUntil: null }).where('id', '=', user.id).execute();
    const session = await createSession(db, user.id);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
      path: '/',
      expires: session.expiresAt,
    });
    return c.json({ user: { id: user.id, email: user.email, name: user.name, role: user.role, authorityId: user.authorityId }, csrfToken: session.csrfToken });
  })
  .post('/logout', requireRole('viewer'), async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await deleteSession(c.get('deps').db, token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  })
  .get('/me', requireRole('viewer'), (c) => c.json({ user: c.get('user'), csrfToken: c.get('csrfToken') }));
