import type { Kysely, Selectable } from 'kysely';
import type { SensorInput as WireSensorInput } from '../contract';
import type { Database, SensorTable } from '../db/schema';
import { notFound } from '../errors';
import { hashSensorKey, newSensorKey } from './keys';

export type SensorRow = Selectable<SensorTable>;

/** A sensor as operators see it: everything but the key hash. */
export type Sensor = Omit<SensorRow, 'keyHash'>;

/** A sensor's fields as the routes pass them on: the wire input with its defaults applied. */
export type SensorInput = Required<WireSensorInput>;

const COLUMNS = ['id', 'authorityId', 'name', 'zone', 'lon', 'lat', 'calmMax', 'busyMax', 'intervalS', 'countingPolygon', 'snapshotUrl', 'createdAt'] as const;

export async function listSensors(db: Kysely<Database>, authorityId: number): Promise<Sensor[]> {
  return db.selectFrom('sensor').select(COLUMNS).where('authorityId', '=', authorityId).orderBy('zone').orderBy('name').execute();
}

export async function getSensor(db: Kysely<Database>, id: number, authorityId: number): Promise<Sensor> {
  const sensor = await db.selectFrom('sensor').select(COLUMNS).where('id', '=', id).where('authorityId', '=', authorityId).executeTakeFirst();
  if (!sensor) throw notFound('Capteur');
  return sensor;
}

/** The sensor a frame is pushed to, key hash included (frame push is not scoped by a session). */
export async function getSensorForIngestion(db: Kysely<Database>, id: number): Promise<SensorRow | undefined> {
  return db.selectFrom('sensor').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates a sensor; its key is returned here and never again. */
export async function createSensor(db: Kysely<Database>, authorityId: number, input: SensorInput): Promise<{ sensor: Sensor; key: string }> {
  const key = newSensorKey();
  const sensor = await db
    .insertInto('sensor')
    .values({ ...input, authorityId, keyHash: hashSensorKey(key), createdAt: new Date() })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { sensor, key };
}

export async function updateSensor(db: Kysely<Database>, id: number, authorityId: number, patch: Partial<SensorInput>): Promise<Sensor> {
  if (Object.keys(patch).length === 0) return getSensor(db, id, authorityId);
  const sensor = await db.updateTable('sensor').set(patch).where('id', '=', id).where('authorityId', '=', authorityId).returning(COLUMNS).executeTakeFirst();
  if (!sensor) throw notFound('Capteur');
  return sensor;
}

/** A new key; the old one stops working at once. */
export async function rotateSensorKey(db: Kysely<Database>, id: number, authorityId: number): Promise<string> {
  const key = newSensorKey();
  const row = await db
    .updateTable('sensor')
    .set({ keyHash: hashSensorKey(key) })
    .where('id', '=', id)
    .where('authorityId', '=', authorityId)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw notFound('Capteur');
  return key;
}

/** Removes the sensor and, by cascade, its counts. */
export async function deleteSensor(db: Kysely<Database>, id: number, authorityId: number): Promise<void> {
  const row = await db.deleteFrom('sensor').where('id', '=', id).where('authorityId', '=', authorityId).returning('id').executeTakeFirst();
  if (!row) throw notFound('Capteur');
}

/** Sensors the snapshot poller fetches, every authority together. */
export async function listPolledSensors(db: Kysely<Database>): Promise<SensorRow[]> {
  return db.selectFrom('sensor').selectAll().where('snapshotUrl', 'is not', null).orderBy('id').execute();
}

/** Who changed a sensor, for the audit log. */
export interface Actor {
  authorityId: number;
  userId: number;
}

/** Sensor changes go to the append-only audit log (never the key, only that it changed). */
export async function auditSensor(db: Kysely<Database>, actor: Actor, action: string, sensorId: number, before: Sensor | null, after: Sensor | null): Promise<void> {
  const snapshot = (s: Sensor | null) => (s ? { ...s, createdAt: s.createdAt.toISOString(), snapshotUrl: s.snapshotUrl ? '(défini)' : null } : null);
  await db
    .insertInto('auditLog')
    .values({ authorityId: actor.authorityId, userId: actor.userId, action, entity: 'sensor', entityId: String(sensorId), before: snapshot(before), after: snapshot(after) })
    .execute();
}
