import { Hono } from 'hono';
import { z } from 'zod';
import { generatePassword } from '../../auth/passwords';
import { requireRole } from '../../auth/guard';
import { createUserAudited, listUsers } from '../../auth/users';
import { ROLES, type Role } from '../../db/schema';
import type { AppEnv } from '../context';
import { parseBody } from '../validate';

const NewUser = z
  .object({
    email: z.string().trim().toLowerCase().email().max(200),
    name: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES as readonly [Role, ...Role[]]),
    /** omitted: a password is generated and returned once */
    password: z.string().min(10).max(200).optional(),
  })
  .strict();

/** Accounts of the administrator's own authority; an admin never sees or creates another authority's users. */
export const users = new Hono<AppEnv>()
  .get('/', requireRole('admin'), async (c) => {
    return c.json({ users: await listUsers(c.get('deps').db, c.get('user').authorityId) });
  })
  .post('/', requireRole('admin'), async (c) => {
    const body = await parseBody(c, NewUser);
    const admin = c.get('user');
    const password = body.password ?? generatePassword();
    const id = await createUserAudited(c.get('deps').db, {
      authorityId: admin.authorityId,
      email: body.email,
      name: body.name,
      role: body.role,
      password,
      createdBy: admin.id,
    });
    return c.json(
      {
        user: { id, email: body.email, name: body.name ?? body.email, role: body.role, authorityId: admin.authorityId },
        ...(body.password ? {} : { generatedPassword: password }),
      },
      201,
    );
  });
