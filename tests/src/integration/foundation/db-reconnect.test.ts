import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@vigie/api/config';
import { type DatabaseHandle, openDatabase } from '@vigie/api/db';
import { startExternalPostgres } from '../../support/external-postgres';

// A query cut by a shutdown used to leave the server's 57P01 on its connection, which then failed the first query
// after the restart (patches/postgres@3.4.9.patch): a worker's job, or the run poll of db-restart.test.ts, at random.
describe('a query cut by a PostgreSQL shutdown', () => {
  let external: Awaited<ReturnType<typeof startExternalPostgres>>;
  let database: DatabaseHandle;

  beforeAll(async () => {
    external = await startExternalPostgres();
    database = await openDatabase(loadConfig({ DATABASE_URL: external.url, VIGIE_DATA_DIR: os.tmpdir() }), { max: 1 });
  });
  afterAll(async () => {
    await database?.close();
    external?.destroy();
  });

  it('fails with the server’s reason, and the first query after the restart succeeds on the same connection', async () => {
    const { sql } = database;
    await sql`select 1`;
    const cut = sql`select pg_sleep(30)`.then(
      () => 'finished',
      (error: { code?: string }) => error.code,
    );
    await new Promise((r) => setTimeout(r, 300));
    external.stop();
    expect(await cut).toBe('57P01');
    external.start();
    const [row] = await sql<{ answer: number }[]>`select 42 as answer`;
    expect(row?.answer).toBe(42);
  }, 60_000);
});
