import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedModel, loadModel } from '@vigie/workers/runtime';
import { closeFrameCounter, latestFrames, setFrameCounter } from '@vigie/api/affluence';
import { frameCounterFor, startSnapshotPoller } from '@vigie/workers/affluence';
import { startExternalPostgres } from '../../support/external-postgres';
import { type TestStack, login, startStack } from '../../support/stack';
import { countingModelDir, testFrames } from './support';

describe('the snapshot poller across a PostgreSQL outage', () => {
  let external: Awaited<ReturnType<typeof startExternalPostgres>>;
  let stack: TestStack;
  let loaded: LoadedModel;
  let camera: http.Server;

  beforeAll(async () => {
    external = await startExternalPostgres();
    stack = await startStack({ DATABASE_URL: external.url });
    loaded = await loadModel(countingModelDir().dir);
    setFrameCounter(frameCounterFor(loaded));
    const [frame] = await testFrames(1, 31);
    camera = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(frame!.jpeg));
    await new Promise<void>((resolve) => camera.listen(0, '127.0.0.1', resolve));
  }, 120_000);
  afterAll(async () => {
    camera?.close();
    await closeFrameCounter();
    await loaded?.close();
    latestFrames.forget();
    await stack?.stop();
    external?.destroy();
  });

  it('keeps counting while the database is down and writes the held counts when it is back', async () => {
    const admin = await login(stack.baseUrl);
    const created = await admin.fetch('/api/affluence/sensors', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Caméra du marché', zone: 'marche', lon: 2.35, lat: 48.85, calmMax: 10, busyMax: 30, intervalS: 60,
        snapshotUrl: `http://127.0.0.1:${(camera.address() as AddressInfo).port}/snapshot.jpg`,
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = ((await created.json()) as { sensor: { id: number } }).sensor;
    let now = Date.parse('2026-06-01T10:00:30Z');
    const poller = startSnapshotPoller({ db: stack.platform.db }, { tickMs: 3_600_000, now: () => now });
    const stored = async () =>
      (await stack.platform.db.selectFrom('sensorCount').select('observedAt').where('sensorId', '=', id).orderBy('observedAt').execute()).map((r) => r.observedAt.toISOString());
    try {
      expect(await poller.pollDue()).toMatchObject([{ sensorId: id, ok: true }]);
      external.stop();
      // two counting intervals with the database down: the camera is still counted, from the last known sensor list
      for (const minute of [1, 2]) {
        now += 60_000;
        const results = await poller.pollDue();
        expect(results, JSON.stringify(results)).toMatchObject([{ sensorId: id, ok: true }]);
        expect(poller.pending.size).toBe(minute);
      }
      external.start();
      now += 60_000;
      expect(await poller.pollDue()).toMatchObject([{ sensorId: id, ok: true }]);
      expect(poller.pending.size).toBe(0);
    } finally {
      await poller.stop();
    }
    // no hole in the series: every slot once, the outage's included
    expect(await stored()).toEqual(['2026-06-01T10:00:00.000Z', '2026-06-01T10:01:00.000Z', '2026-06-01T10:02:00.000Z', '2026-06-01T10:03:00.000Z']);
  }, 120_000);
});
