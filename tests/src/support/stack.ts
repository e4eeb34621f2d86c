import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureInitialAdmin } from '@vigie/api/auth';
import { type Config, loadConfig } from '@vigie/api/config';
import { type Platform, openPlatform } from '@vigie/api/platform';
import { startApiServer } from '@vigie/api/server';
import { registerShippedModels } from '@vigie/workers/models';

export const ADMIN_EMAIL = 'admin@vigie.local';
export const ADMIN_PASSWORD = 'motdepasse-de-test-123';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function tempDataDir(prefix = 'vigie-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment of a test stack: its own data dir, embedded PostgreSQL port and API port. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    VIGIE_DATA_DIR: tempDataDir(),
    VIGIE_EMBEDDED_PG_PORT: String(await freePort()),
    VIGIE_PORT: '0',
    VIGIE_LOG_LEVEL: 'warn',
    VIGIE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    VIGIE_JOB_EXPIRE_S: '5',
    VIGIE_QUEUE_MAINTENANCE_S: '1',
    ...overrides,
  };
}

export interface TestStack {
  config: Config;
  env: Record<string, string>;
  platform: Platform;
  baseUrl: string;
  /** stops the API and the platform (and the embedded server it started) */
  stop(): Promise<void>;
}

/** The real thing in-process: embedded PostgreSQL (or DATABASE_URL), migrations, queue, HTTP API on a free port. */
export async function startStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  const env = await testEnv(overrides);
  const config = loadConfig({ ...process.env, ...env });
  const platform = await openPlatform(config, { applicationName: 'vigie-test' });
  await ensureInitialAdmin(platform.db, env);
  await registerShippedModels(platform.db);
  const api = await startApiServer(platform);
  return {
    config,
    env,
    platform,
    baseUrl: `http://127.0.0.1:${api.port}`,
    async stop() {
      await api.close();
      await platform.close();
    },
  };
}

/** A signed-in HTTP client: keeps the session cookie and sends the CSRF token on writes. */
export async function login(baseUrl: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    cookie,
    csrfToken,
    fetch(pathname: string, init: RequestInit = {}) {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      if (init.method && init.method !== 'GET') headers.set('x-csrf-token', csrfToken);
      if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${baseUrl}${pathname}`, { ...init, headers });
    },
  };
}
export type Client = Awaited<ReturnType<typeof login>>;
