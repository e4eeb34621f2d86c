import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFrameCounter, latestFrames } from '@vigie/api/affluence';
import { installFrameCounter, startDemoCameraFeed, timeOfDayAt } from '@vigie/workers/affluence';
import type { TestStack } from '../../support/stack';
import { startDemoStack } from '../../support/demo';
import type { DemoManifest } from '@vigie/data';

describe('demo camera feed (vigie start --demo)', () => {
  let stack: TestStack & { manifest: DemoManifest; demoDir: string };

  beforeAll(async () => {
    stack = await startDemoStack();
    installFrameCounter(stack.platform);
  }, 600_000);
  afterAll(async () => {
    await closeFrameCounter();
    latestFrames.forget();
    await stack?.stop();
  });

  it('picks the generated frames of the local time of day (Paris)', () => {
    expect(timeOfDayAt(new Date('2026-07-14T06:30:00Z'))).toBe('matin'); // 08:30 CEST
    expect(timeOfDayAt(new Date('2026-07-14T10:30:00Z'))).toBe('midi'); // 12:30 CEST
    expect(timeOfDayAt(new Date('2026-01-14T15:30:00Z'))).toBe('apres-midi'); // 16:30 CET
    expect(timeOfDayAt(new Date('2026-01-14T19:00:00Z'))).toBe('soir'); // 20:00 CET
  });

  it('counts the demo frames in memory, once per slot, and the public page shows the zone', async () => {
    const { db } = stack.platform;
    const sensors = await db.selectFrom('sensor').selectAll().execute();
    expect(sensors.map((s) => s.name).sort()).toEqual(stack.manifest.cameras.map((c) => c.name).sort());
    const authorityId = sensors[0]!.authorityId;
    const framesBefore = fs.readdirSync(path.join(stack.demoDir, stack.manifest.frames.dir)).sort();

    const countRows = () => db.selectFrom('sensorCount').select(['sensorId', 'observedAt', 'people', 'vehicles']).orderBy('observedAt').orderBy('sensorId').execute();
    const expected = sensors.length * 13; // the backfill (12 earlier slots and the current one)
    const feed = await startDemoCameraFeed(db, authorityId, stack.demoDir, stack.manifest);
    const deadline = Date.now() + 120_000;
    while ((await countRows()).length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await feed.stop();
    const rows = await countRows();
    expect(rows.length).toBeGreaterThanOrEqual(expected);
    expect(rows.some((r) => r.people > 0)).toBe(true);

    // a second process (or a restart) plays the same slots: nothing is counted twice; only a slot the clock
    // has entered since (one per camera) can be new
    const again = await startDemoCameraFeed(db, authorityId, stack.demoDir, stack.manifest);
    await new Promise((r) => setTimeout(r, 3000));
    await again.stop();
    const after = await countRows();
    const slotKey = (r: (typeof rows)[number]) => `${r.sensorId}@${new Date(r.observedAt).toISOString()}`;
    expect(new Set(after.map(slotKey)).size).toBe(after.length);
    expect(after.filter((r) => new Date(r.observedAt) <= new Date(rows.at(-1)!.observedAt))).toHaveLength(rows.length);
    expect(after.length - rows.length).toBeLessThanOrEqual(sensors.length);

    const res = await fetch(`${stack.baseUrl}/public/affluence.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { zones: { zone: string; status: string; peopleLabel: string }[] };
    const zone = body.zones.find((z) => z.zone === stack.manifest.cameras[0]!.zone);
    console.log(`demo feed: ${rows.length} counts; public zone ${JSON.stringify(zone)}`);
    expect(zone?.status).toBe('en_ligne');
    expect(zone?.peopleLabel).toMatch(/\d/);
    // the feed reads the generated frames and writes nothing next to them
    expect(fs.readdirSync(path.join(stack.demoDir, stack.manifest.frames.dir)).sort()).toEqual(framesBefore);
  }, 300_000);
});
