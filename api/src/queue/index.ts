import PgBoss from 'pg-boss';
import type { Sql } from '../db/connect';

/** Job queues. Every job is small and idempotent: its results are upserted on natural keys. */
export const QUEUES = {
  /** plan a run: compute its chips and enqueue them in batches */
  plan: 'run-plan',
  /** process one batch of chips of a run */
  chips: 'run-chips',
  /** merge and aggregate once every chip of a run is done */
  finalise: 'run-finalise',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface PlanJob { runId: string }
export interface ChipsJob { runId: string; chipKeys: string[] }
export interface FinaliseJob { runId: string }

export interface QueueOptions {
  /** a job not completed within this time (worker killed, machine lost) is retried */
  expireInSeconds?: number;
  /** how often expired jobs are looked for */
  maintenanceIntervalSeconds?: number;
  /** false for processes that only enqueue (the API): maintenance runs in workers */
  supervise?: boolean;
}

/** pg-boss in Vigie's own database, through the same postgres.js client (one driver). */
export async function startQueue(sql: Sql, opts: QueueOptions = {}): Promise<PgBoss> {
  const expireInSeconds = opts.expireInSeconds ?? 300;
  const boss = new PgBoss({
    db: {
      async executeSql(text: string, rawValues: unknown[] = []) {
        const values = rawValues.map(asPgParameter);
        // pg-boss sends some multi-statement transactions as one text; postgres.js only allows those on a
        // reserved connection.
        if (/^\s*BEGIN\b/i.test(text)) {
          const connection = await sql.reserve();
          try {
            return { rows: [...(await connection.unsafe(text, values as never[]))] };
          } finally {
            connection.release();
          }
        }
        return { rows: [...(await sql.unsafe(text, values as never[]))] };
      },
    },
    supervise: opts.supervise ?? true,
    schedule: false,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
  });
  boss.on('error', (error) => {
    if (process.env.VIGIE_DEBUG_QUEUE) console.error('pg-boss', error);
    // connection errors during a database restart: pg-boss retries by itself; workers log via their handlers
  });
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    const settings = { name, expireInSeconds, retryLimit: 5, retryDelay: 2, retryBackoff: true };
    await boss.createQueue(name, settings);
    await boss.updateQueue(name, settings); // createQueue keeps an existing queue's settings
  }
  return boss;
}

/** pg-boss was written for node-postgres, which sends undefined as null (postgres.js refuses undefined). */
function asPgParameter(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** Jobs waiting or running, per queue, for `vigie status` and the health check. */
export async function queueDepth(boss: PgBoss): Promise<Record<QueueName, number>> {
  const depth = {} as Record<QueueName, number>;
  for (const name of Object.values(QUEUES)) depth[name] = await boss.getQueueSize(name);
  return depth;
}

export type { PgBoss };
export type Job<T> = PgBoss.Job<T>;
