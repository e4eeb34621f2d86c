import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedModel, loadModel } from '@vigie/workers/runtime';
import { MAX_FRAMES_IN_FLIGHT, closeFrameCounter, countSeries, latestFrames, localDate, localDay, setFrameCounter, shiftDay } from '@vigie/api/affluence';
import { frameCounterFor, startSnapshotPoller } from '@vigie/workers/affluence';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { type TestFrame, countingModelDir, testFrames } from './support';

let stack: TestStack;
let admin: Client;
let loaded: LoadedModel;
let frames: TestFrame[];

async function createSensor(fields: Record<string, unknown> = {}): Promise<{ id: number; intervalS: number }> {
  const res = await admin.fetch('/api/affluence/sensors', {
    method: 'POST',
    body: JSON.stringify({ name: 'Caméra', zone: 'marche', lon: 2.35, lat: 48.85, calmMax: 10, busyMax: 30, ...fields }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { sensor: { id: number; intervalS: number } }).sensor;
}

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.baseUrl);
  loaded = await loadModel(countingModelDir().dir);
  setFrameCounter(frameCounterFor(loaded));
  frames = await testFrames(2, 23);
});

afterAll(async () => {
  await closeFrameCounter();
  await loaded?.close();
  latestFrames.forget();
  await stack?.stop();
});

describe('aggregates', () => {
  it('gives 15-minute, hourly and daily max and mean, with gaps as null, the same day last week and peak hours', async () => {
    const { db } = stack.platform;
    const sensor = await createSensor();
    const day = localDate(new Date(Date.now() - 2 * 86_400_000));
    const lastWeek = shiftDay(day, -7);
    // local hour starts (DST-proof): the empty series gives them
    const hoursOf = async (d: string) => {
      const { start, end } = await localDay(db, d);
      return (await countSeries(db, [sensor.id], 'hour', start, end)).map((p) => p.start.getTime());
    };
    const [today, before] = [await hoursOf(day), await hoursOf(lastWeek)];
    const minute = 60_000;
    const rows = [
      // 09:00–10:00: 10, 20, 30 → mean 20, max 30; 10:00 missing (camera off); 11:00: 40, 44
      ...[10, 20, 30].map((people, i) => ({ at: today[9]! + (5 + 20 * i) * minute, people })),
      ...[40, 44].map((people, i) => ({ at: today[11]! + (10 + 30 * i) * minute, people })),
      // a week before: 09:00 mean 10, 11:00 mean 20
      { at: before[9]! + 30 * minute, people: 10 },
      { at: before[11]! + 30 * minute, people: 20 },
    ];
    await db
      .insertInto('sensorCount')
      .values(rows.map((r) => ({ sensorId: sensor.id, observedAt: new Date(r.at), people: r.people, vehicles: 1 })))
      .execute();

    const from = new Date(today[9]!).toISOString();
    const to = new Date(today[12]!).toISOString();
    const hourly = (await (await admin.fetch(`/api/affluence/sensors/${sensor.id}/counts?bucket=hour&from=${from}&to=${to}`)).json()) as {
      series: { start: string; samples: number; people: { mean: number; max: number } | null }[];
      gaps: { from: string; to: string }[];
    };
    expect(hourly.series.map((p) => p.people)).toEqual([{ mean: 20, max: 30 }, null, { mean: 42, max: 44 }]);
    expect(hourly.series.map((p) => p.samples)).toEqual([3, 0, 2]);
    expect(hourly.gaps.length).toBeGreaterThanOrEqual(1);
    const gap = hourly.gaps.find((g) => new Date(g.from).getTime() === today[9]! + 45 * minute)!;
    expect(new Date(gap.to).getTime()).toBe(today[11]! + 10 * minute);

    const quarter = (await (await admin.fetch(`/api/affluence/sensors/${sensor.id}/counts?bucket=15min&from=${from}&to=${new Date(today[10]!).toISOString()}`)).json()) as {
      series: { people: { mean: number } | null }[];
    };
    expect(quarter.series.map((p) => p.people?.mean ?? null)).toEqual([10, 20, null, 30]);

    const daily = (await (await admin.fetch(`/api/affluence/sensors/${sensor.id}/counts?bucket=day&from=${new Date(before[0]!).toISOString()}&to=${new Date(today.at(-1)! + 3600_000).toISOString()}`)).json()) as {
      series: { people: { mean: number; max: number } | null }[];
    };
    expect(daily.series).toHaveLength(8);
    expect(daily.series[0]!.people).toEqual({ mean: 15, max: 20 });
    expect(daily.series.slice(1, 7).every((p) => p.people === null)).toBe(true); // days without counts: gaps, not zeros
    expect(daily.series[7]!.people).toEqual({ mean: 28.8, max: 44 });

    const report = (await (await admin.fetch(`/api/affluence/sensors/${sensor.id}/report?day=${day}`)).json()) as {
      lastWeekDay: string;
      comparison: { people: { mean: number; lastWeekMean: number; changePct: number } };
      peakHours: { hour: number; meanPeople: number }[];
      hourly: unknown[];
    };
    expect(report.lastWeekDay).toBe(lastWeek);
    expect(report.hourly.length).toBeGreaterThanOrEqual(23);
    expect(report.comparison.people).toEqual({ mean: 31, lastWeekMean: 15, changePct: 107 });
    expect(report.peakHours.map((p) => p.hour)).toEqual([11, 9]);

    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}/counts?bucket=15min&from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z`)).status).toBe(400);
    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}/counts?from=2021-01-02T00:00:00Z&to=2021-01-01T00:00:00Z`)).status).toBe(400);
    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}/report?day=hier`)).status).toBe(400);
  });
});

describe('snapshot poller', () => {
  it('fetches each camera once per interval, counts in memory, and reports unreachable ones', async () => {
    const requests: { path: string; authorization?: string }[] = [];
    const server = http.createServer((req, res) => {
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.url === '/snapshot.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(frames[0]!.jpeg);
      } else if (req.url === '/texte') res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const good = await createSensor({ zone: 'poll', snapshotUrl: `http://camera:s3cret@${base.slice(7)}/snapshot.jpg`, intervalS: 60 });
      const missing = await createSensor({ zone: 'poll', snapshotUrl: `${base}/absente.jpg` });
      const html = await createSensor({ zone: 'poll', snapshotUrl: `${base}/texte` });
      const now = Date.parse('2025-06-01T10:00:42Z');
      const poller = startSnapshotPoller({ db: stack.platform.db }, { tickMs: 3_600_000, now: () => now });
      try {
        const results = await poller.pollDue();
        const byId = new Map(results.map((r) => [r.sensorId, r]));
        const direct = await frameCounterFor(loaded).count(frames[0]!.jpeg, null);
        expect(byId.get(good.id)).toMatchObject({ ok: true, counted: { people: direct.people, vehicles: direct.vehicles } });
        expect(byId.get(missing.id)).toMatchObject({ ok: false, error: expect.stringContaining('404') });
        expect(byId.get(html.id)).toMatchObject({ ok: false, error: expect.stringContaining('JPEG') });
        expect(requests.find((r) => r.path === '/snapshot.jpg')?.authorization).toBe(`Basic ${Buffer.from('camera:s3cret').toString('base64')}`);
        // same slot: nothing is fetched again
        expect(await poller.pollDue()).toEqual([]);
      } finally {
        await poller.stop();
      }
      const stored = await stack.platform.db.selectFrom('sensorCount').selectAll().where('sensorId', 'in', [good.id, missing.id, html.id]).execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.observedAt.toISOString()).toBe('2025-06-01T10:00:00.000Z'); // stamped with its interval slot
      // a second poller (another process) on the same slot records nothing twice
      const other = startSnapshotPoller({ db: stack.platform.db }, { tickMs: 3_600_000, now: () => now + 5000 });
      await other.pollDue();
      await other.stop();
      expect(await stack.platform.db.selectFrom('sensorCount').select('people').where('sensorId', '=', good.id).execute()).toHaveLength(1);
      // the polled frame feeds the operator preview like a pushed one
      expect((await admin.fetch(`/api/affluence/sensors/${good.id}/preview`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('load', () => {
  it('refuses a frame with 503 and Retry-After when counting is saturated, instead of queueing it', async () => {
    const res = await admin.fetch('/api/affluence/sensors', {
      method: 'POST',
      body: JSON.stringify({ name: 'Caméra', zone: 'charge', lon: 2.35, lat: 48.85, calmMax: 10, busyMax: 30 }),
    });
    const { sensor, key } = (await res.json()) as { sensor: { id: number }; key: string };
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const real = frameCounterFor(loaded);
    setFrameCounter({ ...real, count: async (frame, polygon) => (started++, await gate, real.count(frame, polygon)) });
    try {
      const push = () =>
        fetch(`${stack.baseUrl}/api/affluence/sensors/${sensor.id}/frames`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg', 'x-sensor-key': key },
          body: frames[0]!.jpeg,
        });
      const held = Array.from({ length: MAX_FRAMES_IN_FLIGHT }, push);
      while (started < MAX_FRAMES_IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 10));
      const refused = await push();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('counting_busy');
      release();
      expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(MAX_FRAMES_IN_FLIGHT).fill(201));
      expect((await push()).status).toBe(201); // and frames flow again
    } finally {
      release();
      setFrameCounter(real);
    }
  });
});
