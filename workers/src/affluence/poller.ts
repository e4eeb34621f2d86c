import type { Kysely } from 'kysely';
import { type Database, isDatabaseDown } from '@vigie/api/db';
import { logger as rootLogger, type Logger } from '@vigie/api/logger';
import {
  FRAME_MAX_BYTES,
  frameTooLarge,
  frameType,
  ingestFrame,
  listPolledSensors,
  pendingCounts,
  type IngestedFrame,
  type PendingCounts,
  type SensorRow,
} from '@vigie/api/affluence';

/**
 * Fetches each sensor's snapshot URL once per counting interval, counts the frame in memory and drops it.
 *
 * Counts are stamped with the start of their interval slot and inserted with "keep existing": several
 * processes running a poller against the same database fetch the same camera but record it once.
 * Run it where the API runs (installFrameCounter() there too), so that polled cameras have a preview.
 * While the database is down, cameras are still counted, from the last known sensor list, and their counts
 * held in memory until it is back (pendingCounts).
 */

export interface SnapshotPollerDeps {
  db: Kysely<Database>;
  log?: Logger;
}

export interface SnapshotPollerOptions {
  /** how often due sensors are looked for */
  tickMs?: number;
  /** per snapshot request */
  fetchTimeoutMs?: number;
  /** snapshot requests in flight at once */
  concurrency?: number;
  now?: () => number;
  /** after each attempt (tests and metrics) */
  onPoll?: (result: PollResult) => void;
}

export type PollResult = { sensorId: number; ok: true; counted: IngestedFrame } | { sensorId: number; ok: false; error: string };

export interface SnapshotPoller {
  /** one pass over the sensors due now; resolves when their fetches are over */
  pollDue(): Promise<PollResult[]>;
  /** counts waiting for the database */
  readonly pending: Pick<PendingCounts, 'size'>;
  stop(): Promise<void>;
}

export function startSnapshotPoller(deps: SnapshotPollerDeps, opts: SnapshotPollerOptions = {}): SnapshotPoller {
  const log = (deps.log ?? rootLogger).child({ component: 'snapshot-poller' });
  const tickMs = opts.tickMs ?? 1000;
  const now = opts.now ?? Date.now;
  const concurrency = opts.concurrency ?? 4;
  /** last slot polled per sensor, so that each interval is fetched once */
  const polledSlot = new Map<number, number>();
  const inFlight = new Set<number>();
  const pending = pendingCounts(log);
  let sensors: SensorRow[] | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();

  /** the sensors to poll; the last known list while the database is down */
  async function polledSensors(): Promise<SensorRow[]> {
    try {
      sensors = await listPolledSensors(deps.db);
    } catch (error) {
      if (!isDatabaseDown(error) || !sensors) throw error;
    }
    return sensors;
  }

  async function pollDue(): Promise<PollResult[]> {
    const at = now();
    const due = (await polledSensors()).filter((s) => !inFlight.has(s.id) && polledSlot.get(s.id) !== slotOf(s, at));
    const results: PollResult[] = [];
    for (let i = 0; i < due.length; i += concurrency) {
      const batch = due.slice(i, i + concurrency);
      results.push(
        ...(await Promise.all(
          batch.map(async (sensor) => {
            const slot = slotOf(sensor, at);
            polledSlot.set(sensor.id, slot);
            inFlight.add(sensor.id);
            try {
              const counted = await pollSensor(deps.db, sensor, new Date(slot * sensor.intervalS * 1000), opts.fetchTimeoutMs ?? 10_000, pending);
              return { sensorId: sensor.id, ok: true as const, counted };
            } catch (error) {
              // the message only: the URL may carry credentials, and the bytes must never reach a log
              const message = error instanceof Error ? error.message : String(error);
              log.warn({ sensorId: sensor.id, err: message }, 'snapshot poll failed');
              return { sensorId: sensor.id, ok: false as const, error: message };
            } finally {
              inFlight.delete(sensor.id);
            }
          }),
        )),
      );
    }
    for (const result of results) opts.onPoll?.(result);
    return results;
  }

  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(pollDue).catch((error: unknown) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'snapshot poller pass failed'));
  }, tickMs);
  timer.unref();

  return {
    pollDue,
    pending,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => {});
    },
  };
}

const slotOf = (sensor: Pick<SensorRow, 'intervalS'>, at: number) => Math.floor(at / (sensor.intervalS * 1000));

/** Fetches one snapshot (credentials in the URL go to an Authorization header), counts it and records the count. */
export async function pollSensor(db: Kysely<Database>, sensor: SensorRow, observedAt: Date, timeoutMs: number, pending: PendingCounts): Promise<IngestedFrame> {
  const url = new URL(sensor.snapshotUrl!);
  const headers = new Headers({ accept: 'image/jpeg, image/png' });
  if (url.username || url.password) {
    headers.set('authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
    url.username = '';
    url.password = '';
  }
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `pas de réponse en ${timeoutMs / 1000} s` : 'connexion impossible';
    throw new Error(`Caméra injoignable (${reason}).`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`La caméra a répondu ${response.status}.`);
  }
  const type = frameType(response.headers.get('content-type') ?? undefined);
  const frame = await readLimited(response, FRAME_MAX_BYTES);
  return ingestFrame(db, sensor, frame, type, { observedAt, pending });
}

/** The body, refusing it as soon as it passes `maxBytes` (a camera is not trusted to send a small image). */
async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw frameTooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw frameTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
