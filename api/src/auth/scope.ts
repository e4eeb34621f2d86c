import type { Context } from 'hono';
import { notFound } from '../errors';
import type { AppEnv } from '../http/context';

/**
 * Territory scoping. Every row carries the authority that owns it; a handler reads only through
 * `authorityOf(c)` — the signed-in user's authority, never an id taken from the request — and filters on it:
 *
 *   db.selectFrom('dumpDetection').where('authorityId', '=', authorityOf(c))
 *
 * Another authority's row answers 404, exactly like a missing one, so ids cannot be probed.
 */
export function authorityOf(c: Context<AppEnv>): number {
  const user = c.get('user');
  // a route reaching this without requireRole is a programming error, not a user error
  if (!user) throw new Error('authorityOf() on a route without requireRole()');
  return user.authorityId;
}

/** Returns the row when it belongs to the caller's authority; otherwise the same 404 as a missing row. */
export function ownedRow<T extends { authorityId: number | null }>(c: Context<AppEnv>, row: T | undefined, what: string): T {
  if (!row || row.authorityId !== authorityOf(c)) throw notFound(what);
  return row;
}
