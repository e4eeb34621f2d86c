import os from 'node:os';
import type { Kysely } from 'kysely';
import { VigieError } from '../errors';
import type { Database } from '../db/schema';
import { recordCounts } from './counts';
import type { PendingCounts } from './pending';
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
 * Frames counted at once in this process; one more is refused (503, Retry-After) rather than queued:
 * a camera's next frame replaces a late one, latency stays bounded and waiting frames do not pile up in memory.
 */
export const MAX_FRAMES_IN_FLIGHT = Math.max(4, 2 * os.availableParallelism());
let framesInFlight = 0;

export const countingBusy = () =>
  new VigieError('counting_busy', 'Comptage saturé : image ignorée, envoyez la suivante.', 503, { retryAfterS: 1 });

/**
 * One frame, pushed or polled: checked, counted in memory, its counts stored, the frame itself held only
 * for the in-memory preview. Nothing of the image reaches the database, a file or a log.
 */
export async function ingestFrame(
  db: Kysely<Database>,
  sensor: Pick<SensorRow, 'id' | 'countingPolygon' | 'calmMax' | 'busyMax'>,
  frame: Uint8Array,
  type: FrameType,
  /** `pending`: the poller's and the demo feed's counts, held while the database is down (and kept on conflict) */
  opts: { observedAt?: Date; onConflict?: 'replace' | 'keep'; pending?: PendingCounts } = {},
): Promise<IngestedFrame> {
  assertFrameBytes(frame, type);
  const observedAt = opts.observedAt ?? new Date();
  const counter = await frameCounter();
  if (framesInFlight >= MAX_FRAMES_IN_FLIGHT) throw countingBusy();
  framesInFlight++;
  let counted;
  try {
    counted = await counter.count(frame, sensor.countingPolygon);
  } finally {
    framesInFlight--;
  }
  const { people, vehicles, objects } = counted;
  const count = { sensorId: sensor.id, observedAt, people, vehicles };
  await (opts.pending ? opts.pending.record(db, count) : recordCounts(db, [count], opts.onConflict));
  latestFrames.hold(sensor.id, { frame, objects, observedAt });
  return { sensorId: sensor.id, observedAt, people, vehicles, level: occupancyLevel(people, sensor) };
}
