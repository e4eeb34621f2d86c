import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema';
import { VigieError } from '../errors';
import { generatePassword, hashPassword } from './passwords';

export async function ensureAuthority(db: Kysely<Database>, slug: string, name: string): Promise<number> {
  const row = await db
    .insertInto('authority')
    .values({ slug, name })
    .onConflict((oc) => oc.column('slug').doUpdateSet({ name }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addUser(
  db: Kysely<Database>,
  input: { authorityId: number; email: string; name?: string; role: Role; password: string },
): Promise<number> {
  if (input.password.length < 10) throw new VigieError('weak_password', 'Mot de passe trop court (10 caractères minimum).');
  const email = input.email.trim().toLowerCase();
  const existing = await db.selectFrom('appUser').select('id').where('email', '=', email).executeTakeFirst();
  if (existing) throw new VigieError('user_exists', `Un compte existe déjà pour ${email}.`, 409);
  const row = await db
    .insertInto('appUser')
    .values({
      authorityId: input.authorityId,
      email,
      name: input.name ?? email,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      lockedUntil: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * First start: creates the default authority and an admin. The password comes from VIGIE_ADMIN_PASSWORD
 * (unattended deployments) or is generated and returned so the caller prints it once.
 */
export async function ensureInitialAdmin(
  db: Kysely<Database>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ email: string; password?: string } | undefined> {
  const anyUser = await db.selectFrom('appUser').select('id').limit(1).executeTakeFirst();
  if (anyUser) return undefined;
  const authorityId = await ensureAuthority(db, env.VIGIE_AUTHORITY_SLUG ?? 'demo', env.VIGIE_AUTHORITY_NAME ?? 'Territoire de démonstration');
  const email = env.VIGIE_ADMIN_EMAIL ?? 'admin@vigie.local';
  const password = env.VIGIE_ADMIN_PASSWORD ?? generatePassword();
  await addUser(db, { authorityId, email, name: 'Administrateur', role: 'admin', password });
  return { email, password: env.VIGIE_ADMIN_PASSWORD ? undefined : password };
}

export interface UserSummary {
  id: number;
  email: string;
  name: string;
  role: Role;
  locked: boolean;
  createdAt: Date;
}

/** The accounts of one authority, for its administrators. */
export async function listUsers(db: Kysely<Database>, authorityId: number): Promise<UserSummary[]> {
  const rows = await db
    .selectFrom('appUser')
    .select(['id', 'email', 'name', 'role', 'lockedUntil', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .orderBy('email')
    .execute();
  const now = new Date();
  return rows.map(({ lockedUntil, ...user }) => ({ ...user, locked: Boolean(lockedUntil && new Date(lockedUntil) > now) }));
}

export async function findAuthority(db: Kysely<Database>, slug: string): Promise<{ id: number; slug: string; name: string } | undefined> {
  return db.selectFrom('authority').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
}

/** Creates an account and records who did it in the audit log, in one transaction. */
export async function createUserAudited(
  db: Kysely<Database>,
  input: { authorityId: number; email: string; name?: string; role: Role; password: string; createdBy: number | null },
): Promise<number> {
  const create = db.transaction().execute(async (trx) => {
    const id = await addUser(trx, input);
    await trx
      .insertInto('auditLog')
      .values({
        authorityId: input.authorityId,
        userId: input.createdBy,
        action: 'user.create',
        entity: 'app_user',
        entityId: String(id),
        before: null,
        after: { email: input.email.trim().toLowerCase(), role: input.role },
      })
      .execute();
    return id;
  });
  return create.catch((error: unknown) => {
    // two simultaneous creations of the same address: the unique index decides
    if ((error as { code?: string }).code === '23505') throw new VigieError('user_exists', `Un compte existe déjà pour ${input.email}.`, 409);
    throw error;
  });
}
