import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { SessionUser } from '../http/context';

export const SESSION_COOKIE = 'vigie_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export async function createSession(db: Kysely<Database>, userId: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insertInto('userSession').values({ tokenHash: sha256(token), userId, csrfToken, expiresAt }).execute();
  return { token, csrfToken, expiresAt };
}

export async function findSession(db: Kysely<Database>, token: string): Promise<{ user: SessionUser; csrfToken: string } | undefined> {
  const row = await db
    .selectFrom('userSession as s')
    .innerJoin('appUser as u', 'u.id', 's.userId')
    .select(['u.id', 'u.authorityId', 'u.email', 'u.name', 'u.role', 's.csrfToken'])
    .where('s.tokenHash', '=', sha256(token))
    .where('s.expiresAt', '>', new Date())
    .executeTakeFirst();
  if (!row) return undefined;
  const { csrfToken, ...user } = row;
  return { user, csrfToken };
}

export async function deleteSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('userSession').where('tokenHash', '=', sha256(token)).execute();
}
