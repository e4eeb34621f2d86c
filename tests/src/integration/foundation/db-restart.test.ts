import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import { startExternalPostgres } from '../../support/external-postgres';
import { writeGradientOrtho } from '../../support/fixtures';
import { waitForRun } from '../../support/runs';
import { type Client, type TestStack, login, startStack } from '../../support/stack';

describe('a worker survives a PostgreSQL restart in the middle of a run', () => {
  let external: Awaited<ReturnType<typeof startExternalPostgres>>;
  let stack: TestStack;
  let admin: Client;
  let worker: WorkerHandle;

  beforeAll(async () => {
    external = await startExternalPostgres();
    stack = await startStack({ DATABASE_URL: external.url });
    admin = await login(stack.baseUrl);
    worker = await startWorker(stack.platform, { concurrency: 1 });
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.platform.sql.end({ timeout: 2 }).catch(() => {});
    await stack?.stop();
    external?.destroy();
  });

  it('resumes the run after the restart and finishes it with every chip done once', async () => {
    const authorityId = (await stack.platform.db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'gradient.tif');
    writeGradientOrtho(file, { width: 4096, height: 2048, originX: 612_000, originY: 6_892_000 });
    await registerGeoTiff(stack.platform.db, { authorityId, year: 2024, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: 2024 }) });
    const { id } = (await created.json()) as { id: string };
    const db = stack.platform.db;
    for (;;) {
      const run = await db.selectFrom('run').select(['doneChips']).where('id', '=', id).executeTakeFirstOrThrow();
      if (run.doneChips >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    external.stop();
    await new Promise((r) => setTimeout(r, 2000));
    external.start();
    const run = await waitForRun(db, id, 240_000);
    expect(run.status).toBe('succeeded');
    const chips = await db.selectFrom('runChip').select(['chipKey', 'status']).where('runId', '=', id).execute();
    expect(chips.length).toBe(run.totalChips);
    expect(chips.every((c) => c.status === 'done')).toBe(true);
  }, 300_000);
});
