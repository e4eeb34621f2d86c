import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import { startExternalPostgres } from '../support/external-postgres';
import { writeGradientOrtho } from '../support/fixtures';
import { waitForRun } from '../support/runs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestStack, login, startStack } from '../support/stack';
import { buildWeb, launchChromium, openView, shoot, signIn } from './browser';

// The progress bar of a run must not freeze when PostgreSQL restarts under it: the live stream ends with the
// database, and its reconnection, answered 503 while the server is down, closes an EventSource for good.
describe('a run’s progress bar across a PostgreSQL restart', () => {
  let external: Awaited<ReturnType<typeof startExternalPostgres>>;
  let stack: TestStack;
  let worker: WorkerHandle;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    buildWeb();
    external = await startExternalPostgres();
    stack = await startStack({ DATABASE_URL: external.url });
    worker = await startWorker(stack.platform, { concurrency: 1 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'fr-FR' });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await stack?.platform.sql.end({ timeout: 2 }).catch(() => {});
    await stack?.stop();
    external?.destroy();
  });

  it('keeps following the run and shows it finished', async () => {
    const db = stack.platform.db;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'gradient.tif');
    writeGradientOrtho(file, { width: 4096, height: 2048, originX: 612_000, originY: 6_892_000 });
    await registerGeoTiff(db, { authorityId, year: 2024, file });
    const admin = await login(stack.baseUrl);
    const { id } = (await (await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: 2024 }) })).json()) as { id: string };

    await signIn(page, stack.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    await openView(page, 'Analyses', /Analyses/);
    const bar = page.getByTestId('run').first().getByRole('progressbar');
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);

    // down long enough that the stream's 15 s heartbeat fails on the database, and its reconnection about 3 s
    // later finds the API answering 503, which closes an EventSource for good
    external.stop();
    await new Promise((r) => setTimeout(r, 25_000));
    external.start();
    const run = await waitForRun(db, id, 240_000);
    expect(run.status).toBe('succeeded');
    await page.getByTestId('run').first().getByText('terminée', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    await shoot(page, 'runs-after-db-restart');
  }, 360_000);
});
