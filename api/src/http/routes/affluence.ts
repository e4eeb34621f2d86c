import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  BUCKETS,
  FRAME_MAX_BYTES,
  auditSensor,
  countGaps,
  countSeries,
  createSensor,
  dayReport,
  deleteSensor,
  frameCounter,
  frameTooLarge,
  frameType,
  getSensor,
  getSensorForIngestion,
  ingestFrame,
  latestFrames,
  listSensors,
  localDate,
  occupancyLevel,
  offlineAfterSeconds,
  rotateSensorKey,
  sensorKeyMatches,
  updateSensor,
} from '../../affluence';
import { AttemptLimiter } from '../../auth/rate-limit';
import { publicRoute, requireRole } from '../../auth/guard';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';
import { parseBody, parseParams, parseQuery } from '../validate';

const SensorId = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** Image pixels, at most 100 vertices: a counting area drawn over the camera view. */
const PixelPolygon = z
  .array(z.tuple([z.number().min(0).max(20_000), z.number().min(0).max(20_000)]))
  .min(3)
  .max(100);

const SnapshotUrl = z
  .string()
  .max(2000)
  .url()
  .refine((url) => /^https?:$/.test(new URL(url).protocol), 'URL http ou https attendue');

const SensorFields = z.object({
  name: z.string().trim().min(1).max(120),
  /** the zone appears in public URLs (/affluence/embed/centre-bourg) */
  zone: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'minuscules, chiffres et tirets, ex. « centre-bourg »'),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  calmMax: z.number().int().min(0).max(1_000_000),
  busyMax: z.number().int().min(1).max(1_000_000),
  intervalS: z.number().int().min(5).max(3600),
  countingPolygon: PixelPolygon.nullable(),
  snapshotUrl: SnapshotUrl.nullable(),
});

const thresholdsInOrder = (s: { calmMax?: number; busyMax?: number }) => s.calmMax === undefined || s.busyMax === undefined || s.calmMax < s.busyMax;
const THRESHOLD_MESSAGE = { message: 'le seuil « calme » (calmMax) doit être inférieur au seuil « fréquenté » (busyMax)', path: ['calmMax'] };

const NewSensor = SensorFields.extend({
  intervalS: SensorFields.shape.intervalS.default(60),
  countingPolygon: SensorFields.shape.countingPolygon.default(null),
  snapshotUrl: SensorFields.shape.snapshotUrl.default(null),
})
  .strict()
  .refine(thresholdsInOrder, THRESHOLD_MESSAGE);

const SensorPatch = SensorFields.partial().strict();

const DAY_MS = 86_400_000;
/** Longest range per bucket size: a page of at most ~800 points. */
const MAX_RANGE_MS = { '15min': 8 * DAY_MS, hour: 32 * DAY_MS, day: 400 * DAY_MS } as const;

const CountsQuery = z.object({
  bucket: z.enum(BUCKETS as ['15min', 'hour', 'day']).default('hour'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const ReportQuery = z.object({ day: z.iso.date().optional() });

const UNKNOWN_SENSOR_HASH = '0'.repeat(64);

/** Bad sensor keys per client address: 30 per 15 minutes, then 429 (key guessing). */
export const sensorKeyFailures = new AttemptLimiter(30, 15 * 60_000);

function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The sensor a frame is pushed to, if the X-Sensor-Key matches; the same 401 for an unknown sensor and a bad key. */
async function authenticatedSensor(c: Context<AppEnv>, id: number) {
  const address = `ip:${clientAddress(c)}`;
  const wait = sensorKeyFailures.retryAfterMs(address);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    throw new VigieError('too_many_attempts', 'Trop de clés de capteur invalides depuis cette adresse ; réessayez plus tard.', 429);
  }
  const sensor = await getSensorForIngestion(c.get('deps').db, id);
  // an unknown sensor costs the same comparison as a known one: timing does not tell which ids exist
  if (!sensorKeyMatches(sensor?.keyHash ?? UNKNOWN_SENSOR_HASH, c.req.header('x-sensor-key')) || !sensor) {
    sensorKeyFailures.recordFailure(address);
    throw new VigieError('invalid_sensor_key', 'Clé de capteur absente ou invalide (en-tête X-Sensor-Key).', 401);
  }
  return sensor;
}

export const affluence = new Hono<AppEnv>()
  .get('/sensors', requireRole('tourism'), async (c) => {
    const { db } = c.get('deps');
    const sensors = await listSensors(db, c.get('user').authorityId);
    const latest = sensors.length
      ? await db
          .selectFrom('sensorCount')
          .distinctOn('sensorId')
          .select(['sensorId', 'observedAt', 'people', 'vehicles'])
          .where('sensorId', 'in', sensors.map((s) => s.id))
          .orderBy('sensorId')
          .orderBy('observedAt', 'desc')
          .execute()
      : [];
    const now = Date.now();
    return c.json({
      sensors: sensors.map((sensor) => {
        const last = latest.find((l) => l.sensorId === sensor.id);
        const online = !!last && now - last.observedAt.getTime() <= offlineAfterSeconds(sensor.intervalS) * 1000;
        return {
          ...sensor,
          online,
          latest: last ? { observedAt: last.observedAt, people: last.people, vehicles: last.vehicles, level: occupancyLevel(last.people, sensor) } : null,
        };
      }),
    });
  })
  .post('/sensors', requireRole('tourism'), async (c) => {
    const body = await parseBody(c, NewSensor);
    const user = c.get('user');
    const { db } = c.get('deps');
    const { sensor, key } = await createSensor(db, user.authorityId, body);
    await auditSensor(db, { authorityId: user.authorityId, userId: user.id }, 'sensor.create', sensor.id, null, sensor);
    // the key is shown here once; only its hash is kept
    return c.json({ sensor, key }, 201);
  })
  .get('/sensors/:id', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    return c.json({ sensor: await getSensor(c.get('deps').db, id, c.get('user').authorityId) });
  })
  .patch('/sensors/:id', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    const patch = await parseBody(c, SensorPatch);
    const user = c.get('user');
    const { db } = c.get('deps');
    const before = await getSensor(db, id, user.authorityId);
    if (!thresholdsInOrder({ calmMax: patch.calmMax ?? before.calmMax, busyMax: patch.busyMax ?? before.busyMax })) {
      throw new VigieError('invalid_input', `Requête invalide : ${THRESHOLD_MESSAGE.message}.`, 400);
    }
    const sensor = await updateSensor(db, id, user.authorityId, patch);
    await auditSensor(db, { authorityId: user.authorityId, userId: user.id }, 'sensor.update', id, before, sensor);
    return c.json({ sensor });
  })
  .delete('/sensors/:id', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    const user = c.get('user');
    const { db } = c.get('deps');
    const before = await getSensor(db, id, user.authorityId);
    await deleteSensor(db, id, user.authorityId);
    latestFrames.forget(id);
    await auditSensor(db, { authorityId: user.authorityId, userId: user.id }, 'sensor.delete', id, before, null);
    return c.json({ ok: true });
  })
  .post('/sensors/:id/key', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    const user = c.get('user');
    const { db } = c.get('deps');
    const key = await rotateSensorKey(db, id, user.authorityId);
    await auditSensor(db, { authorityId: user.authorityId, userId: user.id }, 'sensor.rotate_key', id, null, null);
    return c.json({ key });
  })
  // Pushed by the camera itself, authenticated by its key, not by a session.
  .post('/sensors/:id/frames', publicRoute(), async (c) => {
    const { id } = parseParams(c, SensorId);
    const sensor = await authenticatedSensor(c, id);
    const type = frameType(c.req.header('content-type'));
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > FRAME_MAX_BYTES) throw frameTooLarge();
    const frame = new Uint8Array(await c.req.arrayBuffer());
    try {
      return c.json(await ingestFrame(c.get('deps').db, sensor, frame, type), 201);
    } catch (error) {
      if (error instanceof VigieError && error.code === 'counting_busy') c.header('Retry-After', '1');
      throw error;
    }
  })
  // The latest frame, blurred, rendered now from memory; never cached anywhere.
  .get('/sensors/:id/preview', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    await getSensor(c.get('deps').db, id, c.get('user').authorityId);
    const held = latestFrames.latest(id);
    if (!held) throw new VigieError('no_recent_frame', 'Aucune image récente de ce capteur sur ce serveur (les images ne sont gardées qu’une minute, en mémoire).', 404);
    const jpeg = await (await frameCounter()).renderPreview(held.frame, held.objects);
    c.header('Cache-Control', 'no-store, max-age=0');
    c.header('Pragma', 'no-cache');
    c.header('X-Observed-At', held.observedAt.toISOString());
    return c.body(new Uint8Array(jpeg), 200, { 'Content-Type': 'image/jpeg' });
  })
  .get('/sensors/:id/counts', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    const query = parseQuery(c, CountsQuery);
    const sensor = await getSensor(c.get('deps').db, id, c.get('user').authorityId);
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    if (from >= to) throw new VigieError('invalid_range', 'Période invalide : « from » doit précéder « to ».', 400);
    if (to.getTime() - from.getTime() > MAX_RANGE_MS[query.bucket]) {
      throw new VigieError('range_too_large', `Période trop longue pour des pas de ${query.bucket} (au plus ${MAX_RANGE_MS[query.bucket] / DAY_MS} jours).`, 400);
    }
    const { db } = c.get('deps');
    const [series, gaps] = await Promise.all([countSeries(db, [id], query.bucket, from, to), countGaps(db, sensor, from, to)]);
    return c.json({ sensorId: id, bucket: query.bucket, from, to, series, gaps, thresholds: { calmMax: sensor.calmMax, busyMax: sensor.busyMax } });
  })
  .get('/sensors/:id/report', requireRole('tourism'), async (c) => {
    const { id } = parseParams(c, SensorId);
    const { day } = parseQuery(c, ReportQuery);
    const sensor = await getSensor(c.get('deps').db, id, c.get('user').authorityId);
    const now = new Date();
    return c.json({ sensorId: id, ...(await dayReport(c.get('deps').db, sensor, day ?? localDate(now), now)) });
  });
