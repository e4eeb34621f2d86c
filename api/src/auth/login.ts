import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { VigieError } from '../errors';
import type { SessionUser } from '../http/context';
import { hashPassword, verifyPassword } from './passwords';
import { loginLimits } from './rate-limit';
import { createSession } from './sessions';

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;

// Unknown accounts are checked against this hash too, so the answer takes as long as for a real one.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('vigie-decoy-password'));

function tooManyAttempts(retryAfterMs: number): VigieError {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return new VigieError('too_many_attempts', `Trop de tentatives de connexion ; réessayez dans ${minutes} min.`, 429, {
    retryAfterS: Math.ceil(retryAfterMs / 1000),
  });
}

/**
 * Checks a password login: throttled per client address and per account name (in memory), and locked in the
 * database after LOCK_AFTER_FAILURES failures. Unknown and known accounts fail the same way.
 * An OpenID Connect login would end the same way: a SessionUser, then createSession.
 */
export async function passwordLogin(
  db: Kysely<Database>,
  input: { email: string; password: string; clientAddress: string },
): Promise<{ user: SessionUser; token: string; csrfToken: string; expiresAt: Date }> {
  const email = input.email.trim().toLowerCase();
  const addressKey = `ip:${input.clientAddress}`;
  const accountKey = `account:${email}`;
  const wait = Math.max(loginLimits.byAddress.retryAfterMs(addressKey), loginLimits.byAccount.retryAfterMs(accountKey));
  if (wait > 0) throw tooManyAttempts(wait);

  const user = await db.selectFrom('appUser').selectAll().where('email', '=', email).executeTakeFirst();
  const locked = Boolean(user?.lockedUntil && new Date(user.lockedUntil) > new Date());
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? (await decoy()));
  if (user && locked) throw tooManyAttempts(new Date(user.lockedUntil!).getTime() - Date.now());
  if (!user || !passwordOk) {
    loginLimits.byAddress.recordFailure(addressKey);
    loginLimits.byAccount.recordFailure(accountKey);
    if (user) {
      const failures = user.failedLogins + 1;
      const lock = failures >= LOCK_AFTER_FAILURES;
      await db
        .updateTable('appUser')
        .set({ failedLogins: lock ? 0 : failures, lockedUntil: lock ? new Date(Date.now() + LOCK_MS) : null })
        .where('id', '=', user.id)
        .execute();
    }
    throw new VigieError('bad_credentials', 'Identifiant ou mot de passe incorrect.', 401);
  }

  loginLimits.byAccount.reset(accountKey);
  await db.updateTable('appUser').set({ failedLogins: 0, lockedUntil: null }).where('id', '=', user.id).execute();
  // expired sessions of this user go now rather than piling up
  await db.deleteFrom('userSession').where('userId', '=', user.id).where('expiresAt', '<=', new Date()).execute();
  const session = await createSession(db, user.id);
  const { id, authorityId, name, role } = user;
  return { user: { id, authorityId, email: user.email, name, role }, ...session };
}
