import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type Client, type TestStack, login, startStack } from '../../support/stack';
import { PASSWORD, loginAs, seedTwoAuthorities } from './support';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

let stack: TestStack;
let cast: Awaited<ReturnType<typeof seedTwoAuthorities>>;

beforeAll(async () => {
  stack = await startStack();
  cast = await seedTwoAuthorities(stack);
});
afterAll(() => stack?.stop());
// the API runs in this process: its in-memory throttling is shared by the tests, so each starts clean
beforeEach(() => loginLimits.reset());

const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.baseUrl}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('sessions', () => {
  it('sets an HTTP-only, SameSite=Lax session cookie and answers /me', async () => {
    const res = await post('/api/auth/login', { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^vigie_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here; behind HTTPS (X-Forwarded-Proto) it is Secure
    const https = await post('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(https.headers.get('set-cookie')).toMatch(/Secure/i);

    const me = await fetch(`${stack.baseUrl}/api/auth/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { user: { email: string; role: string }; csrfToken: string };
    expect(body.user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    expect(body.csrfToken.length).toBeGreaterThan(20);
    expect(JSON.stringify(body)).not.toMatch(/passwordHash|scrypt/);
  });

  it('answers 401 without a session, with a forged or an expired one', async () => {
    expect((await fetch(`${stack.baseUrl}/api/auth/me`)).status).toBe(401);
    expect((await fetch(`${stack.baseUrl}/api/auth/me`, { headers: { cookie: 'vigie_session=forged' } })).status).toBe(401);
    const client = await login(stack.baseUrl);
    const tokenHash = createHash('sha256').update(client.cookie.split('=')[1]!).digest('hex');
    await stack.platform.db.updateTable('userSession').set({ expiresAt: new Date(Date.now() - 1000) }).where('tokenHash', '=', tokenHash).execute();
    expect((await client.fetch('/api/auth/me')).status).toBe(401);
  });

  it('logs out: the session is deleted server-side and the cookie cleared', async () => {
    const client = await login(stack.baseUrl);
    const res = await client.fetch('/api/auth/logout', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/vigie_session=;/);
    expect((await client.fetch('/api/auth/me')).status).toBe(401);
  });

  it('refuses cookie-authenticated writes without the CSRF token', async () => {
    const client = await login(stack.baseUrl);
    const noToken = await fetch(`${stack.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: client.cookie } });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('csrf');
    const other = await login(stack.baseUrl);
    const wrongToken = await fetch(`${stack.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: client.cookie, 'x-csrf-token': other.csrfToken } });
    expect(wrongToken.status).toBe(403);
    expect((await client.fetch('/api/auth/me')).status).toBe(200);
  });

  it('accepts only JSON logins (no cross-site form login)', async () => {
    const form = await fetch(`${stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    expect(form.status).toBe(415);
    expect(form.headers.get('set-cookie')).toBeNull();
  });
});

describe('login throttling and lockout', () => {
  it('locks an account after 5 failures, even with the right password afterwards, and says when to retry', async () => {
    const email = cast.a.users.tourism;
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/login', { email, password: 'mauvais-mot-de-passe' })).status).toBe(401);
    const locked = await post('/api/auth/login', { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    // the lock lives in the database: it holds after the in-memory counts are gone (another API process)
    loginLimits.reset();
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(429);
    await stack.platform.db.updateTable('appUser').set({ lockedUntil: null }).where('email', '=', email).execute();
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('treats unknown accounts like real ones (no account enumeration)', async () => {
    const unknown = 'personne@vigie.test';
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await post('/api/auth/login', { email: unknown, password: 'x' })).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('throttles one address spraying many accounts', async () => {
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await post('/api/auth/login', { email: `spray${i}@vigie.test`, password: 'x' })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // the good password does not get through from that address either
    expect((await post('/api/auth/login', { email: cast.a.users.viewer, password: PASSWORD })).status).toBe(429);
  });

  it('does not count malformed requests as attempts', async () => {
    for (let i = 0; i < 30; i++) expect((await post('/api/auth/login', { email: 1 })).status).toBe(400);
    expect((await post('/api/auth/login', { email: cast.a.users.viewer, password: PASSWORD })).status).toBe(200);
  });
});

const sessions = new Map<string, Promise<Client>>();
/** one session per user for the read-mostly tests: scrypt makes each login cost ~100 ms on purpose */
const signedIn = (email: string) => {
  if (!sessions.has(email)) sessions.set(email, loginAs(stack, email));
  return sessions.get(email)!;
};

describe('roles', () => {
  const cases: { method: string; path: string; body?: unknown; allowed: string[] }[] = [
    { method: 'GET', path: '/api/users', allowed: ['admin'] },
    { method: 'POST', path: '/api/users', body: {}, allowed: ['admin'] },
    // run creation: reviewers (dumps) and planners (ZAN) may, others are refused before validation
    { method: 'POST', path: '/api/runs', body: {}, allowed: ['admin', 'reviewer', 'planner'] },
    { method: 'GET', path: '/api/runs', allowed: ['admin', 'reviewer', 'planner', 'tourism', 'viewer'] },
  ];
  it.each(cases)('$method $path is for $allowed', async ({ method, path: pathname, body, allowed }) => {
    for (const role of ['admin', 'reviewer', 'planner', 'tourism', 'viewer'] as const) {
      const client = await signedIn(cast.a.users[role]);
      const res = await client.fetch(pathname, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      if (allowed.includes(role)) expect(res.status, role).not.toBe(403);
      else expect(res.status, role).toBe(403);
    }
  });
});

describe('user administration', () => {
  it('lists only the admin’s own authority, without secrets', async () => {
    const admin = await loginAs(stack, cast.a.users.admin);
    const res = await admin.fetch('/api/users');
    const { users } = (await res.json()) as { users: { email: string }[] };
    expect(users.map((u) => u.email).sort()).toEqual(Object.values(cast.a.users).sort());
    expect(JSON.stringify(users)).not.toMatch(/hash|scrypt|password/i);
  });

  it('creates a user in the admin’s own authority (never another), audited, with a generated password', async () => {
    const admin = await loginAs(stack, cast.b.users.admin);
    const res = await admin.fetch('/api/users', {
      method: 'POST',
      body: JSON.stringify({ email: 'Nouvelle.Agente@vigie.test', role: 'reviewer', name: 'Nouvelle agente' }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { user: { id: number; authorityId: number }; generatedPassword: string };
    expect(created.user.authorityId).toBe(cast.b.authorityId);
    const agent = await login(stack.baseUrl, 'nouvelle.agente@vigie.test', created.generatedPassword);
    expect(((await (await agent.fetch('/api/auth/me')).json()) as { user: { role: string } }).user.role).toBe('reviewer');
    const audit = await stack.platform.db.selectFrom('auditLog').selectAll().where('entityId', '=', String(created.user.id)).execute();
    expect(audit).toMatchObject([{ action: 'user.create', entity: 'app_user', authorityId: cast.b.authorityId }]);

    const again = await admin.fetch('/api/users', { method: 'POST', body: JSON.stringify({ email: 'nouvelle.agente@vigie.test', role: 'viewer' }) });
    expect(again.status).toBe(409);
  });

  it.each([
    [{ email: 'x@vigie.test', role: 'superadmin' }],
    [{ email: 'pas-une-adresse', role: 'viewer' }],
    [{ email: 'x@vigie.test', role: 'viewer', password: 'court' }],
    [{ email: 'x@vigie.test', role: 'viewer', authorityId: 1 }],
    [{ email: ['x@vigie.test'], role: 'viewer' }],
  ])('refuses %j with 400 and writes nothing', async (body) => {
    const admin = await signedIn(cast.a.users.admin);
    const before = await stack.platform.db.selectFrom('appUser').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await admin.fetch('/api/users', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const after = await stack.platform.db.selectFrom('appUser').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('vigie users add', () => {
  const vigie = (args: string[]) =>
    promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['workers/src/cli/main.ts', 'users', 'add', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env },
    });

  it('creates an account in an existing authority and prints a generated password once', async () => {
    const { stdout } = await vigie(['--email', 'Agent.CLI@vigie.test', '--role', 'planner', '--authority', 'collectivite-a']);
    const password = /Mot de passe : (\S+)/.exec(stdout)?.[1];
    expect(password).toBeTruthy();
    const agent = await login(stack.baseUrl, 'agent.cli@vigie.test', password);
    const { user } = (await (await agent.fetch('/api/auth/me')).json()) as { user: { role: string; authorityId: number } };
    expect(user).toMatchObject({ role: 'planner', authorityId: cast.a.authorityId });
  });

  it('refuses an unknown role or authority with a clear message', async () => {
    await Promise.all([
      expect(vigie(['--email', 'y@vigie.test', '--role', 'chef', '--authority', 'collectivite-a'])).rejects.toMatchObject({ stderr: expect.stringMatching(/Rôle inconnu/) }),
      expect(vigie(['--email', 'y@vigie.test', '--role', 'viewer', '--authority', 'nulle-part'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--authority-name/) }),
    ]);
  });
});
