import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import { type TestStack, type Client, login } from '../../support/stack';
import { startDemoStack } from '../../support/demo';
import { waitForRun } from '../../support/runs';
import { type TruthVintage, truthFlows, truthVintage } from './support';

const ha = (m2: number) => (m2 / 10_000).toFixed(2);

describe('zan: land cover per vintage over the demo territory with the shipped model', () => {
  let stack: TestStack & { demoDir: string; manifest: { vintages: { year: number; landcover: string }[] } };
  let admin: Client;
  let worker: WorkerHandle;
  let authorityId: number;
  const truth = new Map<number, TruthVintage>();

  beforeAll(async () => {
    stack = await startDemoStack();
    admin = await login(stack.baseUrl);
    worker = await startWorker(stack.platform, { concurrency: 2 });
    authorityId = (await stack.platform.db.selectFrom('commune').select('authorityId').executeTakeFirstOrThrow()).authorityId;
    for (const v of stack.manifest.vintages) {
      const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: v.year }) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const run = await waitForRun(stack.platform.db, id, 1_200_000);
      expect(run.status, run.error ?? '').toBe('succeeded');
      truth.set(v.year, await truthVintage(stack.platform.db, authorityId, stack.demoDir, v.year, v.landcover));
    }
  }, 1_800_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  async function measuredArtificialised(year: number) {
    const rows = await stack.platform.db
      .selectFrom('landcoverStat')
      .innerJoin('vintage', 'vintage.id', 'landcoverStat.vintageId')
      .select(['communeInsee', (eb) => eb.fn.sum<number>('artificialisedM2').as('m2')])
      .where('vintage.year', '=', year)
      .groupBy('communeInsee')
      .execute();
    return new Map(rows.map((r) => [r.communeInsee, Number(r.m2)]));
  }

  it('measures each commune’s artificialised area per vintage within 5 % of the ground truth', async () => {
    for (const v of stack.manifest.vintages) {
      const measured = await measuredArtificialised(v.year);
      for (const [insee, expected] of truth.get(v.year)!.artificialisedM2) {
        const got = measured.get(insee) ?? 0;
        const error = Math.abs(got - expected) / expected;
        console.log(`zan ${v.year} ${insee}: artificialised ${ha(got)} ha, truth ${ha(expected)} ha, error ${(error * 100).toFixed(1)} %`);
        expect(error).toBeLessThanOrEqual(0.05);
      }
    }
  });

  it('measures the net change from the first to the last vintage within 10 %', async () => {
    const years = stack.manifest.vintages.map((v) => v.year);
    const first = years[0]!, last = years.at(-1)!;
    const before = await measuredArtificialised(first), after = await measuredArtificialised(last);
    const flows = await truthFlows(stack.platform.db, authorityId, truth.get(first)!, truth.get(last)!);
    let totalGot = 0, totalExpected = 0;
    for (const [insee, expectedBefore] of truth.get(first)!.artificialisedM2) {
      const expected = truth.get(last)!.artificialisedM2.get(insee)! - expectedBefore;
      const got = (after.get(insee) ?? 0) - (before.get(insee) ?? 0);
      totalGot += got;
      totalExpected += expected;
      const f = flows.get(insee)!;
      console.log(`zan net ${first} → ${last} ${insee}: ${ha(got)} ha, truth ${ha(expected)} ha (truth: +${ha(f.artificialisedM2)} artificialised, −${ha(f.renaturedM2)} renatured)`);
    }
    const error = Math.abs(totalGot - totalExpected) / Math.abs(totalExpected);
    console.log(`zan net ${first} → ${last} territory: ${ha(totalGot)} ha, truth ${ha(totalExpected)} ha, error ${(error * 100).toFixed(1)} %`);
    expect(error).toBeLessThanOrEqual(0.1);
    // the flows table tells the same net change as the areas (net = artificialisation − renaturation)
    const flowRows = await stack.platform.db
      .selectFrom('landFlow')
      .innerJoin('vintage as f', 'f.id', 'landFlow.fromVintageId')
      .innerJoin('vintage as t', 't.id', 'landFlow.toVintageId')
      .select([(eb) => eb.fn.sum<number>('artificialisedM2').as('a'), (eb) => eb.fn.sum<number>('renaturedM2').as('r')])
      .where('f.year', '=', first)
      .where('t.year', '=', last)
      .executeTakeFirstOrThrow();
    expect(Number(flowRows.a) - Number(flowRows.r)).toBeCloseTo(totalGot, -1);
  });
});
