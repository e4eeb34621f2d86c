import { type Sql } from 'postgres';
import { ACCESS_RULE, addUser, ensureAuthority } from '@vigie/api/auth';
import type { Role } from '@vigie/api/db';
import { createApp } from '@vigie/api/http';
import { type Client, type TestStack, login } from '../../support/stack';

/** Paths that serve data and must declare an access rule; the rest (web app pages, assets) is GET-only. */
export const GUARDED_PREFIXES = ['/api/', '/ogc/', '/ogc', '/public/', '/tiles/', '/files/'];

export interface Endpoint {
  method: string;
  path: string;
  /** the access rule declared by the first guard that runs before the handler, if any */
  rule: string | undefined;
}

/**
 * Every endpoint of the app as Hono registers it (`app.routes`: each guard, middleware and handler with its
 * method and path, in registration order, sub-apps included). The rule is the one of the first entry that
 * runs before the handler, app-wide middleware aside: `requireRole()`/`publicRoute()` as first handler, or
 * as `use()` middleware on a path above.
 */
export function listEndpoints(app: { routes: { method: string; path: string; handler: unknown }[] } = createApp({} as never)): Endpoint[] {
  const routes = app.routes;
  const keys = new Map<string, { method: string; path: string }>();
  for (const r of routes) if (r.method !== 'ALL') keys.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...keys.values()].map(({ method, path }) => {
    const matching = routes
      .map((r, index) => ({ ...r, index }))
      .filter((r) => (r.method === method || r.method === 'ALL') && covers(r.path, path));
    const handler = matching.filter((r) => r.method === method && r.path === path).at(-1)!;
    // app-wide middleware (request ids, headers, body limit) may run first; after that the guard must come
    const first = matching.find((r) => r.index < handler.index && (r.method !== 'ALL' || isGuard(r.handler)));
    return { method, path, rule: first && isGuard(first.handler) ? first.handler[ACCESS_RULE] : undefined };
  });
}

const isGuard = (handler: unknown): handler is { [ACCESS_RULE]: string } =>
  typeof handler === 'function' && ACCESS_RULE in handler;

function covers(pattern: string, path: string): boolean {
  if (pattern === path) return true;
  if (pattern === '*' || pattern === '/*') return true;
  if (pattern.endsWith('/*')) return path.startsWith(pattern.slice(0, -1)) || path === pattern.slice(0, -2);
  return false;
}

export const isGuardedPath = (path: string) => GUARDED_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix));

/** Row counts of every table in the public schema (discovered, so new tables are covered too). */
export async function allTableCounts(sql: Sql): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(name)}`;
    counts[name] = row!.n;
  }
  return counts;
}

export const PASSWORD = 'mot-de-passe-solide-42';

/** Two authorities, each with one user of every role: the cast of the scoping and role tests. */
export async function seedTwoAuthorities(stack: TestStack) {
  const { db } = stack.platform;
  const cast: Record<'a' | 'b', { authorityId: number; users: Record<Role, string> }> = {} as never;
  for (const key of ['a', 'b'] as const) {
    const authorityId = await ensureAuthority(db, `collectivite-${key}`, `Collectivité ${key.toUpperCase()}`);
    const users = {} as Record<Role, string>;
    for (const role of ['admin', 'reviewer', 'planner', 'tourism', 'viewer'] as const) {
      const email = `${role}.${key}@vigie.test`;
      await addUser(db, { authorityId, email, role, password: PASSWORD });
      users[role] = email;
    }
    cast[key] = { authorityId, users };
  }
  return cast;
}

export async function loginAs(stack: TestStack, email: string): Promise<Client> {
  return login(stack.baseUrl, email, PASSWORD);
}

export type Cast = Awaited<ReturnType<typeof seedTwoAuthorities>>;

/** `as(key, role)`: the logged-in client of that user of the cast, logged in once on first use. */
export function castClients(stack: TestStack, cast: Cast) {
  const clients = new Map<string, Promise<Client>>();
  return (key: 'a' | 'b', role: Role): Promise<Client> => {
    const email = cast[key].users[role];
    if (!clients.has(email)) clients.set(email, loginAs(stack, email));
    return clients.get(email)!;
  };
}

/** What an attacker puts in a tile or file URL to leave the store. */
export const TRAVERSAL_KEYS = [
  '..', '../secret', 'tiles/../../secret', 'tiles/..', 'tiles/./x', './tiles', '/etc/passwd', '//etc/passwd',
  'tiles\\..\\..\\secret', '..\\secret', 'C:\\Windows\\win.ini', 'C:/Windows/win.ini', 'tiles/%2e%2e/secret',
  '%2e%2e/secret', 'tiles/..%2fsecret', 'tiles/\u002e\u002e/secret', 'tiles/\uff0e\uff0e/secret', 'tiles/\u2025/secret',
  'tiles/x\u0000.png', 'tiles//x', 'tiles/', '', ' tiles/x', 'tiles/x\n', '~/x', 'file:///etc/passwd', '.hidden',
  'tiles/' + 'a/'.repeat(10) + '../'.repeat(20) + 'secret',
];
