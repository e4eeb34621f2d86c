import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWgs84 } from '@vigie/api/geo';
import { saveClassRaster } from '@vigie/api/zan';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { planRun } from '@vigie/workers/worker';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { writeGradientOrtho } from '../../support/fixtures';

const SIDE_PX = 3072; // 9.4 Mpx at 0.20 m: 0.38 km²
const ORIGIN = { x: 612_000, y: 6_892_000 };

// 1,100 MiB for a worker whose base is 1 GiB leaves 76 MiB of map: about 6.6 Mpx at 12 bytes per pixel.
describe('a land-cover map too large for the worker’s memory', () => {
  let stack: TestStack;
  let admin: Client;

  beforeAll(async () => {
    stack = await startStack({ VIGIE_WORKER_MEMORY_MB: '1100' });
    admin = await login(stack.baseUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const startZanRun = async (area?: unknown) => {
    const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: 2018, ...(area ? { area } : {}) }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await planRun(stack.platform, id);
    const run = await stack.platform.db.selectFrom('run').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const chips = await stack.platform.db.selectFrom('runChip').select('chipKey').where('runId', '=', id).execute();
    return { run, chips: chips.length };
  };

  it('is refused before any chip is analysed, with the figures; a small area is planned, unless the vintage’s map it joins is too large', async () => {
    const { db, storage } = stack.platform;
    const authorityId = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const file = path.join(stack.config.dataDir, 'large.tif');
    writeGradientOrtho(file, { width: SIDE_PX, height: SIDE_PX, originX: ORIGIN.x, originY: ORIGIN.y });
    const { vintageId } = await registerGeoTiff(db, { authorityId, year: 2018, file });

    const whole = await startZanRun();
    expect(whole.run.status).toBe('failed');
    expect(whole.chips).toBe(0);
    expect(whole.run.error).toContain('Zone trop vaste pour une carte d’occupation du sol : 0,4 km² à 0,2 m par pixel (9 Mpx)');
    expect(whole.run.error).toContain('il dispose de 1,07 Go (VIGIE_WORKER_MEMORY_MB)');

    // 100 m × 100 m in the middle: 0.25 Mpx
    const square = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]].map(([dx, dy]) => toWgs84([ORIGIN.x + 250 + dx!, ORIGIN.y - 350 + dy!]));
    const area = { type: 'Polygon', coordinates: [square] };
    const small = await startZanRun(area);
    expect(small.run.status).toBe('running');
    expect(small.chips).toBeGreaterThan(0);
    await admin.fetch(`/api/runs/${small.run.id}/cancel`, { method: 'POST' });

    // once the vintage has a map of the whole orthophoto, a run over part of it is laid over that map: refused
    await saveClassRaster(storage, authorityId, {
      classes: new Uint8Array(SIDE_PX * SIDE_PX), width: SIDE_PX, height: SIDE_PX, vintageId, runId: 'earlier',
      geoTransform: { originX: ORIGIN.x, originY: ORIGIN.y, pixelWidth: 0.2, pixelHeight: 0.2 },
    });
    const joined = await startZanRun(area);
    expect(joined.run.status).toBe('failed');
    expect(joined.chips).toBe(0);
    expect(joined.run.error).toContain('Zone trop vaste');
  });
});
