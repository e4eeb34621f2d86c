import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { addUser, ensureAuthority } from '@vigie/api/auth';
import { type LoadedModel, loadModel } from '@vigie/workers/runtime';
import { closeFrameCounter, latestFrames, publicCount, setFrameCounter } from '@vigie/api/affluence';
import { publicRequests } from '../../../../api/src/http/routes/public';
import { sensorKeyFailures } from '../../../../api/src/http/routes/affluence';
import { frameCounterFor, previewBlurSigma } from '@vigie/workers/affluence';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { type TestFrame, captureLogs, countingModelDir, filesUnder, findIn, imageNeedles, testFrames } from './support';

const PASSWORD = 'mot-de-passe-solide-42';
const model = countingModelDir();

let stack: TestStack;
let admin: Client;
let loaded: LoadedModel;
let frames: TestFrame[];
let logs: ReturnType<typeof captureLogs>;

interface SensorBody {
  sensor: { id: number; zone: string; calmMax: number; busyMax: number };
  key: string;
}

async function createSensor(client: Client, fields: Record<string, unknown> = {}): Promise<SensorBody> {
  const res = await client.fetch('/api/affluence/sensors', {
    method: 'POST',
    body: JSON.stringify({ name: 'Place de la Mairie', zone: 'centre-test', lon: -2.34, lat: 47.7, calmMax: 5, busyMax: 15, ...fields }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as SensorBody;
}

function push(id: number, key: string | undefined, body: Buffer | Uint8Array, type = 'image/jpeg') {
  const headers: Record<string, string> = { 'content-type': type };
  if (key) headers['x-sensor-key'] = key;
  return fetch(`${stack.baseUrl}/api/affluence/sensors/${id}/frames`, { method: 'POST', headers, body });
}

/**
 * An oversized body on a throwaway connection: the API answers 413 before reading it all and closes the
 * socket, which fetch's pool could otherwise hand to the next request.
 */
function pushOnItsOwnConnection(id: number, key: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${stack.baseUrl}/api/affluence/sensors/${id}/frames`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'image/jpeg', 'content-length': body.length, 'x-sensor-key': key },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error); // the answer may come before the body is sent
    });
    req.end(body);
  });
}

beforeAll(async () => {
  logs = captureLogs();
  stack = await startStack();
  admin = await login(stack.baseUrl);
  loaded = await loadModel(model.dir);
  setFrameCounter(frameCounterFor(loaded));
  frames = await testFrames(6);
});

afterAll(async () => {
  logs?.restore();
  await closeFrameCounter();
  await loaded?.close();
  latestFrames.forget();
  await stack?.stop();
});

describe('sensors', () => {
  it('returns the key once, keeps only its hash, and rotates it', async () => {
    const { sensor, key } = await createSensor(admin);
    expect(key).toMatch(/^vgs_/);
    const shown = JSON.stringify(await (await admin.fetch(`/api/affluence/sensors/${sensor.id}`)).json());
    const listed = JSON.stringify(await (await admin.fetch('/api/affluence/sensors')).json());
    for (const text of [shown, listed]) {
      expect(text).not.toContain(key);
      expect(text).not.toMatch(/keyHash/);
    }
    const rotated = await admin.fetch(`/api/affluence/sensors/${sensor.id}/key`, { method: 'POST' });
    const { key: newKey } = (await rotated.json()) as { key: string };
    expect((await push(sensor.id, key, frames[0]!.jpeg)).status).toBe(401);
    expect((await push(sensor.id, newKey, frames[0]!.jpeg)).status).toBe(201);
  });

  it('validates thresholds, zones and polygons, and edits', async () => {
    const bad = [
      { calmMax: 20, busyMax: 10 },
      { zone: 'Centre Bourg' },
      { countingPolygon: [[0, 0], [10, 10]] },
      { snapshotUrl: 'file:///etc/passwd' },
      { intervalS: 1 },
    ];
    for (const fields of bad) {
      const res = await admin.fetch('/api/affluence/sensors', {
        method: 'POST',
        body: JSON.stringify({ name: 'x', zone: 'z', lon: 0, lat: 0, calmMax: 1, busyMax: 2, ...fields }),
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
    }
    const { sensor } = await createSensor(admin, { zone: 'edition' });
    const patched = await admin.fetch(`/api/affluence/sensors/${sensor.id}`, { method: 'PATCH', body: JSON.stringify({ busyMax: 40, name: 'Renommé' }) });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as SensorBody).sensor).toMatchObject({ busyMax: 40, calmMax: 5 });
    const inverted = await admin.fetch(`/api/affluence/sensors/${sensor.id}`, { method: 'PATCH', body: JSON.stringify({ busyMax: 3 }) });
    expect(inverted.status).toBe(400);
    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}`)).status).toBe(404);
  });

  it('is for the tourism role of the same authority only', async () => {
    const { db } = stack.platform;
    const own = (await db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    const other = await ensureAuthority(db, 'autre-commune', 'Autre commune');
    await addUser(db, { authorityId: own, email: 'office@vigie.test', role: 'tourism', password: PASSWORD });
    await addUser(db, { authorityId: own, email: 'urbanisme@vigie.test', role: 'planner', password: PASSWORD });
    await addUser(db, { authorityId: other, email: 'office@autre.test', role: 'tourism', password: PASSWORD });
    const tourism = await login(stack.baseUrl, 'office@vigie.test', PASSWORD);
    const planner = await login(stack.baseUrl, 'urbanisme@vigie.test', PASSWORD);
    const stranger = await login(stack.baseUrl, 'office@autre.test', PASSWORD);
    const { sensor } = await createSensor(tourism, { zone: 'office' });
    expect((await planner.fetch('/api/affluence/sensors')).status).toBe(403);
    expect((await fetch(`${stack.baseUrl}/api/affluence/sensors`)).status).toBe(401);
    for (const path of ['', '/preview', '/counts', '/report']) {
      expect((await stranger.fetch(`/api/affluence/sensors/${sensor.id}${path}`)).status, path).toBe(404);
    }
    expect((await stranger.fetch(`/api/affluence/sensors/${sensor.id}`, { method: 'DELETE' })).status).toBe(404);
    const list = (await (await stranger.fetch('/api/affluence/sensors')).json()) as { sensors: unknown[] };
    expect(list.sensors).toEqual([]);
  });
});

describe('frame ingestion', () => {
  it('refuses bad keys, wrong types, corrupt images, oversized bodies and decompression bombs', async () => {
    const { sensor, key } = await createSensor(admin, { zone: 'refus' });
    const jpeg = frames[0]!.jpeg;
    const expectError = async (res: Response, status: number, code?: string) => {
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(body.error.message.length).toBeGreaterThan(5);
      if (code) expect(body.error.code).toBe(code);
    };
    await expectError(await push(sensor.id, undefined, jpeg), 401, 'invalid_sensor_key');
    await expectError(await push(sensor.id, 'vgs_pas-la-bonne-cle', jpeg), 401, 'invalid_sensor_key');
    await expectError(await push(999_999, key, jpeg), 401, 'invalid_sensor_key'); // an unknown sensor looks the same
    await expectError(await push(sensor.id, key, jpeg, 'text/plain'), 415, 'unsupported_media_type');
    await expectError(await push(sensor.id, key, jpeg, 'image/gif'), 415);
    await expectError(await push(sensor.id, key, jpeg, 'image/png'), 400, 'invalid_image');
    await expectError(await push(sensor.id, key, jpeg.subarray(0, jpeg.length / 3)), 400, 'invalid_image');
    await expectError(await push(sensor.id, key, Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(2000, 7)])), 400, 'invalid_image');
    await expectError(await push(sensor.id, key, Buffer.alloc(0)), 400);
    const oversized = await pushOnItsOwnConnection(sensor.id, key, Buffer.concat([jpeg, Buffer.alloc(1536 * 1024)]));
    expect(oversized.status, oversized.body).toBe(413);
    expect(JSON.parse(oversized.body).error.code).toBe('payload_too_large');
    const bomb = await sharp({ create: { width: 4200, height: 4000, channels: 3, background: '#777' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectError(await push(sensor.id, key, bomb, 'image/png'), 413, 'frame_too_many_pixels');
    const rows = await stack.platform.db.selectFrom('sensorCount').selectAll().where('sensorId', '=', sensor.id).execute();
    expect(rows).toEqual([]); // nothing recorded for refused frames
  });

  it('throttles key guessing per address', async () => {
    sensorKeyFailures.reset();
    const { sensor } = await createSensor(admin, { zone: 'devinette' });
    let last = 0;
    for (let i = 0; i < sensorKeyFailures.maxFailures + 1; i++) last = (await push(sensor.id, `vgs_essai-${i}`, frames[0]!.jpeg)).status;
    expect(last).toBe(429);
    sensorKeyFailures.reset();
  });

  it('stores counts within the model error, and the public JSON shows them', async () => {
    const counter = frameCounterFor(loaded);
    const a = await createSensor(admin, { zone: 'place-publique', name: 'Caméra nord', calmMax: 10, busyMax: 25 });
    const b = await createSensor(admin, { zone: 'place-publique', name: 'Caméra sud', calmMax: 10, busyMax: 25 });
    const errors: number[] = [];
    const vehicleErrors: number[] = [];
    let last: Record<number, { people: number; vehicles: number }> = {};
    for (const [i, frame] of frames.entries()) {
      const target = i % 2 ? b : a;
      const res = await push(target.sensor.id, target.key, frame.jpeg);
      expect(res.status).toBe(201);
      const counted = (await res.json()) as { people: number; vehicles: number; level: string };
      // the API counts exactly what the model counts on that frame
      const direct = await counter.count(frame.jpeg, null);
      expect([counted.people, counted.vehicles]).toEqual([direct.people, direct.vehicles]);
      errors.push(Math.abs(counted.people - frame.counts.person));
      vehicleErrors.push(Math.abs(counted.vehicles - frame.counts.vehicle));
      last = { ...last, [target.sensor.id]: counted };
    }
    if (model.trained) {
      // the model's own held-out error (its card, 120 frames); a mean over a handful of frames swings around
      // it by about its own size (per-frame errors are as large as their mean), hence twice the card's MAE
      const results = (loaded.card.metrics as { results?: { maePeople?: number; maeVehicles?: number } } | undefined)?.results;
      const mae = (errs: number[]) => errs.reduce((s, e) => s + e, 0) / errs.length;
      const allowed = (cardMae: number | undefined) => Math.max(2, 2 * (cardMae ?? 2));
      console.log(`affluence sample of ${frames.length} frames: people MAE ${mae(errors).toFixed(2)} (card ${results?.maePeople}), vehicles MAE ${mae(vehicleErrors).toFixed(2)} (card ${results?.maeVehicles})`);
      expect(mae(errors), `people MAE over ${frames.length} frames`).toBeLessThanOrEqual(allowed(results?.maePeople));
      expect(mae(vehicleErrors), `vehicle MAE over ${frames.length} frames`).toBeLessThanOrEqual(allowed(results?.maeVehicles));
    }
    const stored = await stack.platform.db.selectFrom('sensorCount').selectAll().where('sensorId', 'in', [a.sensor.id, b.sensor.id]).execute();
    expect(stored).toHaveLength(frames.length);

    const res = await fetch(`${stack.baseUrl}/public/affluence.json`, { headers: { origin: 'https://office-tourisme.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as { zones: { zone: string; people: number | null; peopleLabel: string; status: string; sensors: { online: number } }[] };
    const zone = body.zones.find((z) => z.zone === 'place-publique')!;
    const total = last[a.sensor.id]!.people + last[b.sensor.id]!.people;
    expect(zone).toMatchObject({ status: 'en_ligne', people: publicCount(total), sensors: { online: 2 } });
    expect(zone.peopleLabel).toBe(total < 5 ? '< 5' : String(total));
  });

  it('counts only inside the counting polygon', async () => {
    const frame = frames.find((f) => f.counts.person > 3) ?? frames[0]!;
    const counter = frameCounterFor(loaded);
    const whole = await counter.count(frame.jpeg, null);
    const leftHalf: [number, number][] = [[0, 0], [320, 0], [320, 384], [0, 384]];
    const expected = await counter.count(frame.jpeg, leftHalf);
    if (loaded.card.output.format !== 'density-map') {
      const inLeft = whole.objects.filter((o) => (o.x1 + o.x2) / 2 < 320);
      expect(expected.people + expected.vehicles).toBe(inLeft.length);
    } else expect(expected.people + expected.vehicles).toBeLessThanOrEqual(whole.people + whole.vehicles + 1);
    const { sensor, key } = await createSensor(admin, { zone: 'demi-place', countingPolygon: leftHalf });
    const counted = (await (await push(sensor.id, key, frame.jpeg)).json()) as { people: number; vehicles: number };
    expect(counted).toMatchObject({ people: expected.people, vehicles: expected.vehicles });
  });

  it('serves a blurred preview of the latest frame to operators, never cached', async () => {
    const { sensor, key } = await createSensor(admin, { zone: 'apercu' });
    expect((await admin.fetch(`/api/affluence/sensors/${sensor.id}/preview`)).status).toBe(404);
    await push(sensor.id, key, frames[1]!.jpeg);
    const res = await admin.fetch(`/api/affluence/sensors/${sensor.id}/preview`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toContain('no-store');
    const preview = Buffer.from(await res.arrayBuffer());
    expect(preview.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(preview.equals(frames[1]!.jpeg)).toBe(false);
    expect((await fetch(`${stack.baseUrl}/api/affluence/sensors/${sensor.id}/preview`)).status).toBe(401);
  });

  it.runIf(model.trained)('blurs the faces of the people in the preview', async () => {
    const counter = frameCounterFor(loaded);
    let faces = 0;
    let blurred = 0;
    for (const frame of frames) {
      const { objects } = await counter.count(frame.jpeg, null);
      const preview = await sharp(await counter.renderPreview(frame.jpeg, objects)).raw().toBuffer({ resolveWithObject: true });
      const { width, height } = preview.info;
      const original = await sharp(frame.jpeg).raw().toBuffer();
      const veiled = await sharp(frame.jpeg).blur(previewBlurSigma(height)).raw().toBuffer();
      // mean absolute difference over the 3 × 3 pixels at (x, y), all channels
      const differ = (a: Buffer, b: Buffer, x: number, y: number) => {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) for (let c = 0; c < 3; c++) sum += Math.abs(a[((y + dy) * width + x + dx) * 3 + c]! - b[((y + dy) * width + x + dx) * 3 + c]!);
        return sum / 27;
      };
      for (const person of frame.people) {
        const h = person.y2 - person.y1;
        const x = Math.round((person.x1 + person.x2) / 2);
        const y = Math.round(person.y1 + 0.08 * h); // the head, near the top of the box (HEAD_AT in the crowd recipe)
        if (person.y1 < 1 || h < 16 || x < 1 || x >= width - 1 || y >= height - 1) continue; // head cut off, or too small for a face
        if (differ(original, veiled, x, y) < 12) continue; // blurring would not show here (a flat patch)
        faces++;
        if (differ(preview.data, veiled, x, y) < differ(preview.data, original, x, y)) blurred++;
      }
    }
    console.log(`preview: ${blurred} of ${faces} faces blurred`);
    expect(faces).toBeGreaterThan(10);
    expect(blurred / faces).toBeGreaterThanOrEqual(0.9);
  });
});

describe('publishing', () => {
  it('renders the public page in French, refreshing itself', async () => {
    const res = await fetch(`${stack.baseUrl}/affluence`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('name="viewport"');
    expect(html).toMatch(/http-equiv="refresh" content="\d+"/);
    expect(html).toContain('Affluence en direct');
    expect(html).toContain('data-zone="place-publique"');
    expect(html).toMatch(/Calme|Fréquenté|Très fréquenté/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves an embeddable widget per zone', async () => {
    const res = await fetch(`${stack.baseUrl}/affluence/embed/place-publique`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(await res.text()).toContain('Place publique');
    expect((await fetch(`${stack.baseUrl}/affluence/embed/zone-inconnue`)).status).toBe(404);
  });

  it('shows counts below 5 as "< 5" and an offline zone as offline', async () => {
    const { sensor } = await createSensor(admin, { zone: 'ruelle', calmMax: 2, busyMax: 8 });
    const { db } = stack.platform;
    await db.insertInto('sensorCount').values({ sensorId: sensor.id, observedAt: new Date(), people: 3, vehicles: 0 }).execute();
    const { zones } = (await (await fetch(`${stack.baseUrl}/public/affluence.json?zone=ruelle`)).json()) as { zones: Record<string, unknown>[] };
    expect(zones).toHaveLength(1);
    expect(zones[0]).toMatchObject({ people: null, peopleLabel: '< 5', level: 'frequente', vehicles: null, vehiclesLabel: '< 5' });
    const html = await (await fetch(`${stack.baseUrl}/affluence/embed/ruelle`)).text();
    expect(html).toContain('&lt; 5');
    expect(html).not.toMatch(/>3 </);

    const offline = await createSensor(admin, { zone: 'parking-nord' });
    await db.insertInto('sensorCount').values({ sensorId: offline.sensor.id, observedAt: new Date(Date.now() - 3600_000), people: 40, vehicles: 9 }).execute();
    const parking = ((await (await fetch(`${stack.baseUrl}/public/affluence.json?zone=parking-nord`)).json()) as { zones: Record<string, unknown>[] }).zones[0];
    expect(parking).toMatchObject({ status: 'hors_ligne', people: null, peopleLabel: '–', level: null });
    expect(await (await fetch(`${stack.baseUrl}/affluence/embed/parking-nord`)).text()).toContain('Hors ligne');
  });

  it('publishes the hourly history as CSV with CORS', async () => {
    const res = await fetch(`${stack.baseUrl}/public/affluence/history.csv?jours=1&zone=place-publique`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('territoire,zone,debut_heure,personnes_moyenne,personnes_max,vehicules_moyenne,vehicules_max,mesures');
    expect(lines.length).toBeGreaterThanOrEqual(24);
    const withData = lines.filter((l) => !l.endsWith(',0'));
    expect(withData.length).toBeGreaterThan(1);
    expect(lines.some((l) => l.endsWith(',,,,,0'))).toBe(true); // hours without counts are empty, not zero
    expect((await fetch(`${stack.baseUrl}/public/affluence/history.csv?jours=400`)).status).toBe(400);
  });

  it('rate-limits the public routes', async () => {
    publicRequests.reset();
    let status = 0;
    for (let i = 0; i <= publicRequests.maxFailures && status !== 429; i++) status = (await fetch(`${stack.baseUrl}/public/affluence.json`)).status;
    expect(status).toBe(429);
    const res = await fetch(`${stack.baseUrl}/affluence`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    publicRequests.reset();
  });
});

describe('frames are never kept', () => {
  it('leaves no trace of a pushed frame in the data dir, any database table or the logs', async () => {
    const frame = frames[2]!;
    const { sensor, key } = await createSensor(admin, { zone: 'trace' });
    for (let i = 0; i < 3; i++) expect((await push(sensor.id, key, frame.jpeg)).status).toBe(201);
    await admin.fetch(`/api/affluence/sensors/${sensor.id}/preview`);
    const needles = imageNeedles(frame.jpeg);
    // the search itself finds the frame however it would be written: raw, as hex (bytea), as base64
    for (const form of [frame.jpeg, `\\x${frame.jpeg.toString('hex')}`, frame.jpeg.toString('base64'), `{"f":"${frame.jpeg.subarray(1).toString('base64')}"}`]) {
      expect(findIn(form, needles)).toBeDefined();
    }
    const { sql } = stack.platform;
    await sql`checkpoint`; // whatever was written reaches the data files

    const found: string[] = [];
    for (const file of filesUnder(stack.config.dataDir)) {
      const hit = findIn(await import('node:fs').then((fs) => fs.readFileSync(file)), needles);
      if (hit) found.push(`${file}: ${hit}`);
    }
    const tables = await sql<{ schema: string; name: string }[]>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`;
    expect(tables.map((t) => t.schema)).toContain('pgboss');
    expect(tables.map((t) => t.name)).toContain('sensor_count');
    for (const { schema, name } of [...tables, { schema: 'pg_catalog', name: 'pg_largeobject' }]) {
      const rows = await sql.unsafe(`select t::text as row from "${schema}"."${name}" t`);
      const dump = rows.map((r) => String(r.row)).join('\n');
      const hit = findIn(dump, needles);
      if (hit) found.push(`${schema}.${name}: ${hit}`);
    }
    const logged = logs.lines.join('');
    expect(logged).toContain('/frames'); // the requests were logged…
    const hit = findIn(logged, needles);
    if (hit) found.push(`logs: ${hit}`);
    expect(logged).not.toContain(key); // …without the sensor key
    expect(found).toEqual([]);
  });
});
