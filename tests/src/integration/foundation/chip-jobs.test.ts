import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@vigie/api/queue';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { planRun, processChips } from '@vigie/workers/worker';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { writeGradientOrtho } from '../../support/fixtures';

// A job loop refreshes its run's counters every half second and at the end of the job, not after every chip (two
// scans of the run's chips each: quadratic over a large territory). What the counters and a cancel must still do.
describe('a job of chips', () => {
  let stack: TestStack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack();
    admin = await login(stack.baseUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('leaves exact counters, stops on a cancel with the rest pending, and ends the run once a resume has done them', async () => {
    const { db } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'fields.tif');
    writeGradientOrtho(file, { width: 1000, height: 1000, originX: 612_000, originY: 6_892_000 });
    await registerGeoTiff(db, { authorityId, year: 2031, file });
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: 2031 }) });
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id);
    const chips = (await db.selectFrom('runChip').select('chipKey').where('runId', '=', id).orderBy('chipKey').execute()).map((c) => c.chipKey);
    expect(chips.length).toBeGreaterThanOrEqual(4);
    const run = () => db.selectFrom('run').select(['status', 'doneChips', 'failedChips', 'totalChips']).where('id', '=', id).executeTakeFirstOrThrow();
    const statuses = async () => (await db.selectFrom('runChip').select('status').where('runId', '=', id).orderBy('chipKey').execute()).map((c) => c.status);

    await processChips(stack.platform, id, chips.slice(0, 2));
    expect(await run()).toEqual({ status: 'running', doneChips: 2, failedChips: 0, totalChips: chips.length });
    // a chip already done is not redone by a later job that lists it
    const before = await db.selectFrom('runChip').select(['chipKey', 'updatedAt']).where('runId', '=', id).where('status', '=', 'done').execute();
    await processChips(stack.platform, id, chips.slice(0, 2));
    expect(await db.selectFrom('runChip').select(['chipKey', 'updatedAt']).where('runId', '=', id).where('status', '=', 'done').execute()).toEqual(before);

    expect((await admin.fetch(`/api/runs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    await processChips(stack.platform, id, chips.slice(2));
    expect(await statuses()).toEqual(chips.map((_, i) => (i < 2 ? 'done' : 'pending')));
    expect(await run()).toMatchObject({ status: 'cancelled', doneChips: 2 });

    expect((await admin.fetch(`/api/runs/${id}/resume`, { method: 'POST' })).status).toBe(200);
    await planRun(stack.platform, id);
    await processChips(stack.platform, id, chips.slice(2));
    expect(await statuses()).toEqual(chips.map(() => 'done'));
    expect(await run()).toEqual({ status: 'running', doneChips: chips.length, failedChips: 0, totalChips: chips.length });
    // the last chip's job hands the run to its finalise
    const finalise = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${QUEUES.finalise} and data->>'runId' = ${id}`.execute(db);
    expect(finalise.rows[0]!.n).toBe(1);
  });
});
