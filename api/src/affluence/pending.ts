import type { Kysely } from 'kysely';
import { type Database, isDatabaseDown } from '../db';
import type { Logger } from '../logger';
import { type CountRow, recordCounts } from './counts';

/** About a week of one camera at one count a minute, or a day of seven: a few hundred kilobytes of numbers. */
const MAX_HELD = 10_000;

export interface PendingCounts {
  /**
   * Records a count, after the held ones (oldest first); while the database is down, holds it instead (any
   * other failure is thrown).
   */
  record(db: Kysely<Database>, count: CountRow): Promise<void>;
  /** counts waiting for the database */
  readonly size: number;
}

/**
 * Counts taken while the database was down, held in memory (numbers only, never an image) and written when
 * it is back, so that a restart of PostgreSQL leaves no hole in the charts. Kept on conflict, like every
 * polled count. Past MAX_HELD the oldest are dropped, and the log says how many.
 */
export function pendingCounts(log: Logger): PendingCounts {
  let held: CountRow[] = [];
  let dropped = 0;

  /** Writes the held counts; keeps them if the database is still down. */
  async function flush(db: Kysely<Database>) {
    if (held.length === 0) return;
    const batch = held;
    try {
      for (let i = 0; i < batch.length; i += 1000) await recordCounts(db, batch.slice(i, i + 1000), 'keep');
    } catch (error) {
      if (!isDatabaseDown(error)) throw error;
      return;
    }
    held = held.slice(batch.length);
    log.info({ counts: batch.length }, 'held counts written after the database came back');
  }

  async function record(db: Kysely<Database>, count: CountRow) {
    await flush(db);
    if (held.length === 0) {
      try {
        return await recordCounts(db, [count], 'keep');
      } catch (error) {
        if (!isDatabaseDown(error)) throw error;
        log.warn({ err: (error as Error).message }, 'database unavailable: counts held in memory until it is back');
      }
    }
    held.push(count);
    if (held.length > MAX_HELD) {
      held = held.slice(held.length - MAX_HELD);
      if (dropped++ % 1000 === 0) log.error({ dropped, held: MAX_HELD }, 'database down for too long: oldest held counts dropped');
    }
  }

  return {
    record,
    get size() {
      return held.length;
    },
  };
}
