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
  const expireInSeconds = opts.expireInSeconds ?? Number(process.env.VIGIE_JOB_EXPIRE_S ?? 300);
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
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? Number(process.env.VIGIE_QUEUE_MAINTENANCE_S ?? 30),
  });
  boss.on('error', () => {
    // connection errors during a database restart: pg-boss retries by itself; workers log via their handlers
  });
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    await boss.createQueue(name, {
      name,
      expireInSeconds,
      retryLimit: 5,
      retryDelay: 2,
      retryBackoff: true,
    });
  }
  return boss;
}

/** pg-boss was written for node-postgres, which sends undefined as null and objects as JSON text. */
function asPgParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return value;
}

/** Jobs waiting or running, per queue, for `vigie status` and the health check. */
export async function queueDepth(boss: PgBoss): Promise<Record<QueueName, number>> {
  const depth = {} as Record<QueueName, number>;
  for (const name of Object.values(QUEUES)) depth[name] = await boss.getQueueSize(name);
  return depth;
}

export type { PgBoss };
