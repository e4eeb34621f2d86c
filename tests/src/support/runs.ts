import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { isFinished } from '@vigie/api/runs';

/** Waits for a run to finish (polls the database; the SSE stream has its own test). */
export async function waitForRun(db: Kysely<Database>, runId: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db.selectFrom('run').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    if (isFinished(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} (${run.doneChips}/${run.totalChips}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Row counts of every Vigie table: "nothing written" means these do not change. */
export async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const tables = ['authority', 'app_user', 'commune', 'vintage', 'imagery_source', 'model', 'run', 'run_chip', 'dump_detection', 'dump_comment', 'landcover_stat', 'land_change', 'zan_trajectory', 'sensor', 'sensor_count', 'audit_log'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.selectFrom(table as 'run').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
