import fs from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { ingestFrame, pendingCounts } from '@vigie/api/affluence';
import { logger } from '@vigie/api/logger';
import type { DemoManifest } from '@vigie/data';

/**
 * The demo cameras' feed: plays the generated frames (synthetic scenes, never a real camera) through the same
 * in-memory counting path as a pushed frame, one frame per camera and counting interval, picked for the local
 * time of day. Counts are stamped with the slot start and kept on conflict, so several processes record each
 * slot once, and held in memory while the database is down. A short backfill gives the charts a first history.
 */

interface FrameEntry {
  file: string;
  camera: string;
  timeOfDay: 'matin' | 'midi' | 'apres-midi' | 'soir';
}

/** the backfill: 12 frames, one every 10 counting intervals (the last two hours at one frame a minute) */
const BACKFILL = { frames: 12, everySlots: 10 };

/** The time-of-day bucket of the generated frames for an instant, in Paris local time. */
export function timeOfDayAt(at: Date): FrameEntry['timeOfDay'] {
  const parts = new Intl.DateTimeFormat('fr-FR', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Europe/Paris' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  if (hour < 11) return 'matin';
  if (hour < 14) return 'midi';
  if (hour < 18) return 'apres-midi';
  return 'soir';
}

export interface DemoFeed {
  stop(): Promise<void>;
}

export async function startDemoCameraFeed(db: Kysely<Database>, authorityId: number, demoDir: string, manifest: DemoManifest): Promise<DemoFeed> {
  const log = logger.child({ component: 'demo-camera-feed' });
  const { frames } = JSON.parse(await fs.readFile(path.join(demoDir, manifest.frames.truth), 'utf8')) as { frames: FrameEntry[] };
  const names = new Map(manifest.cameras.map((c) => [c.name, c.id]));
  const pending = pendingCounts(log);
  const sensors = (await db.selectFrom('sensor').selectAll().where('authorityId', '=', authorityId).execute()).filter((s) => names.has(s.name));

  async function playSlot(slotStart: Date, slot: number) {
    for (const sensor of sensors) {
      const candidates = frames.filter((f) => f.camera === names.get(sensor.name) && f.timeOfDay === timeOfDayAt(slotStart));
      const entry = candidates[slot % Math.max(1, candidates.length)];
      if (!entry) continue;
      const frame = await fs.readFile(path.join(demoDir, manifest.frames.dir, entry.file));
      await ingestFrame(db, sensor, frame, entry.file.endsWith('.png') ? 'image/png' : 'image/jpeg', { observedAt: slotStart, pending });
    }
  }

  const intervalS = Math.min(...sensors.map((s) => s.intervalS), 3600);
  const slotOf = (ms: number) => Math.floor(ms / (intervalS * 1000));
  let stopped = false;
  let running: Promise<void> = (async () => {
    // on a grid of absolute slot numbers, so that a second process or a restart a minute later plays the
    // same backfill slots (kept on conflict) and only the current slot is new
    const now = slotOf(Date.now());
    const lastOnGrid = now - (now % BACKFILL.everySlots);
    const slots = Array.from({ length: BACKFILL.frames + 1 }, (_, i) => lastOnGrid - (BACKFILL.frames - i) * BACKFILL.everySlots);
    if (lastOnGrid !== now) slots.push(now);
    for (const slot of slots) if (!stopped) await playSlot(new Date(slot * intervalS * 1000), slot);
  })().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'demo camera backfill failed'));

  const timer = setInterval(() => {
    const slot = slotOf(Date.now());
    running = running.then(() => (stopped ? undefined : playSlot(new Date(slot * intervalS * 1000), slot))).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'demo camera frame failed'));
  }, intervalS * 1000);
  timer.unref();
  log.info({ cameras: sensors.length, intervalS }, 'demo cameras playing generated frames');

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
