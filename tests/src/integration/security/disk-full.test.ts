import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTileKey } from '@vigie/api/geo';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { orthoTileKey } from '@vigie/workers/pipelines';
import { planRun, startWorker } from '@vigie/workers/worker';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { writeGradientOrtho } from '../../support/fixtures';
import { waitForRun } from '../../support/runs';

// A real ENOSPC from the kernel: the file the storage writes first (`<tile>.<pid>.tmp`) is made a link to
// /dev/full, which refuses every write with "No space left on device".
describe('disk full while a run writes its results', () => {
  let stack: TestStack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack();
    admin = await login(stack.baseUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails the chip that could not be written, says why, finishes the run and keeps serving', async () => {
    const { db } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'gradient.tif');
    writeGradientOrtho(file, { width: 1024, height: 1024, originX: 612_000, originY: 6_892_000 });
    const { vintageId } = await registerGeoTiff(db, { authorityId, year: 2018, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: 2018 }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id); // the chips exist before any worker runs
    const chips = await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).orderBy('chipKey').execute();
    expect(chips.length).toBeGreaterThan(1);
    const full = chips[0]!.chipKey;
    const tile = path.join(stack.config.dataDir, 'files', ...orthoTileKey(authorityId, vintageId, parseTileKey(full)).split('/'));
    fs.mkdirSync(path.dirname(tile), { recursive: true });
    fs.symlinkSync('/dev/full', `${tile}.${process.pid}.tmp`);

    const worker = await startWorker(stack.platform, { concurrency: 1 });
    try {
      const run = await waitForRun(db, id);
      expect(run.status).toBe('succeeded');
      expect(run.failedChips).toBe(1);
      expect(run.doneChips).toBe(chips.length - 1);
      expect(run.error).toContain('1 tuile(s) en échec');
      const failed = await db.selectFrom('runChip').select(['chipKey', 'error']).where('runId', '=', id).where('status', '=', 'failed').execute();
      expect(failed).toEqual([{ chipKey: full, error: expect.stringContaining('Disque plein') }]);
      expect(fs.existsSync(tile)).toBe(false);
      expect(fs.existsSync(`${tile}.${process.pid}.tmp`)).toBe(false); // the partial file is removed
      expect((await fetch(`${stack.baseUrl}/api/health`)).status).toBe(200);
      const detail = (await (await admin.fetch(`/api/runs/${id}`)).json()) as { error: string | null };
      expect(detail.error).toContain('1 tuile(s) en échec');
    } finally {
      await worker.stop();
    }
  });
});
