import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { recordCount } from './counts';
import { assertFrameBytes, frameCounter, type FrameType } from './frames';
import { type OccupancyLevel, occupancyLevel } from './occupancy';
import { latestFrames } from './preview';
import type { SensorRow } from './sensors';

export interface IngestedFrame {
  sensorId: number;
  observedAt: Date;
  people: number;
  vehicles: number;
  level: OccupancyLevel;
}

/**
 * One frame, pushed or polled: checked, counted in memory, its counts stored, the frame itself held only
 * for the in-memory preview. Nothing of the image reaches the database, a file or a log.
 */
export async function ingestFrame(
  db: Kysely<Database>,
  sensor: Pick<SensorRow, 'id' | 'countingPolygon' | 'calmMax' | 'busyMax'>,
  frame: Uint8Array,
  type: FrameType,
  opts: { observedAt?: Date; onConflict?: 'replace' | 'keep' } = {},
): Promise<IngestedFrame> {
  assertFrameBytes(frame, type);
  const observedAt = opts.observedAt ?? new Date();
  const counter = await frameCounter();
  const { people, vehicles, objects } = await counter.count(frame, sensor.countingPolygon);
  await recordCount(db, { sensorId: sensor.id, observedAt, people, vehicles }, opts.onConflict);
  latestFrames.hold(sensor.id, { frame, objects, observedAt });
  return { sensorId: sensor.id, observedAt, people, vehicles, level: occupancyLevel(people, sensor) };
}
