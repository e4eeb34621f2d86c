import os from 'node:os';
import type { AppDeps } from '@vigie/api/http';
import { errorMessage, isDiskFull } from '@vigie/api/errors';
import { logger } from '@vigie/api/logger';
import { type ChipsJob, type FinaliseJob, type Job, type PlanJob, QUEUES } from '@vigie/api/queue';
import { type Run, getRun, isFinished, refreshRunCounters } from '@vigie/api/runs';
import { ChipInputError } from './pipelines/pipeline';
import { pipelineFor } from './pipelines';
import { closeModels } from './pipelines/models';

/** Chips per queued job: small enough that a killed worker loses little, large enough to amortise a fetch. */
export const CHIPS_PER_JOB = 8;

export interface WorkerHandle {
  stop(): Promise<void>;
}

/**
 * A worker process's job loops. Any number of them, on any machine, against the same database.
 * Every step is idempotent: a job retried after a crash redoes only what is not recorded as done.
 */
export async function startWorker(deps: AppDeps, opts: { concurrency?: number } = {}): Promise<WorkerHandle> {
  // Twice as many job loops as cores (the session pool stays one per core): a loop spends much of a chip waiting on
  // the database and the file, and another loop's chip fills the session meanwhile. Dumps on 2 cores, chips at their
  // own pace: 700 km²/h with 2 loops, 1,400 with 4, 1,500 with 6; land cover (four passes a chip) is unchanged.
  const concurrency = opts.concurrency ?? deps.config.workerConcurrency ?? Math.max(1, 2 * os.availableParallelism());
  const { boss } = deps;
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const logged = <T>(step: string, handler: (jobs: Job<T>[]) => Promise<void>) =>
    tracked(inFlight, loggedFailures(step, handler));
  ids.push(await boss.work<PlanJob>(QUEUES.plan, { pollingIntervalSeconds: 0.5 }, logged('plan', async ([job]) => planRun(deps, job!.data.runId))));
  for (let i = 0; i < concurrency; i++) {
    ids.push(
      await boss.work<ChipsJob>(QUEUES.chips, { pollingIntervalSeconds: 0.5 }, logged('chips', async ([job]) =>
        processChips(deps, job!.data.runId, job!.data.chipKeys),
      )),
    );
  }
  ids.push(await boss.work<FinaliseJob>(QUEUES.finalise, { pollingIntervalSeconds: 0.5 }, logged('finalise', async ([job]) => finaliseRun(deps, job!.data.runId))));
  logger.info({ concurrency }, 'worker started');
  return {
    async stop() {
      for (const id of ids) await boss.offWork({ id });
      // offWork stops polling but does not wait: let the jobs in hand finish (a job cut short is retried after
      // its expiry anyway, but finishing it now saves that wait and a noisy failure at every shutdown)
      const drained = Promise.allSettled([...inFlight]);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
      await closeModels();
    },
  };
}

/** How long stop() waits for the jobs in hand. */
const STOP_GRACE_MS = 30_000;

/** Keeps each running handler in `inFlight` until it settles. */
function tracked<T>(inFlight: Set<Promise<void>>, handler: (jobs: Job<T>[]) => Promise<void>) {
  return (jobs: Job<T>[]) => {
    const running = handler(jobs);
    const settled: Promise<void> = running.catch(() => {}).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
    return running;
  };
}

/** A failing job is logged here, then rethrown so pg-boss retries it. */
function loggedFailures<T>(step: string, handler: (jobs: Job<T>[]) => Promise<void>) {
  return async (jobs: Job<T>[]) => {
    try {
      await handler(jobs);
    } catch (error) {
      logger.error({ step, jobId: jobs[0]?.id, data: jobs[0]?.data, err: error }, 'job failed, will be retried');
      throw error;
    }
  };
}

export async function planRun(deps: AppDeps, runId: string): Promise<void> {
  const { db, boss } = deps;
  const run = await getRun(db, runId);
  if (isFinished(run.status)) return;
  let chipKeys: string[];
  try {
    chipKeys = await pipelineFor(run.useCase).plan(deps, run);
  } catch (error) {
    if (!(error instanceof ChipInputError)) throw error;
    await db.updateTable('run').set({ status: 'failed', error: error.message, finishedAt: new Date() }).where('id', '=', runId).execute();
    return;
  }
  for (let i = 0; i < chipKeys.length; i += 1000) {
    await db
      .insertInto('runChip')
      .values(chipKeys.slice(i, i + 1000).map((chipKey) => ({ runId, chipKey, error: null, durationMs: null })))
      .onConflict((oc) => oc.columns(['runId', 'chipKey']).doNothing())
      .execute();
  }
  await db
    .updateTable('run')
    .set((eb) => ({ status: 'running', totalChips: chipKeys.length, startedAt: eb.fn.coalesce('startedAt', eb.val(new Date())) }))
    .where('id', '=', runId)
    .execute();
  const pending = await db.selectFrom('runChip').select('chipKey').where('runId', '=', runId).where('status', '=', 'pending').orderBy('chipKey').execute();
  if (pending.length === 0) {
    await boss.send(QUEUES.finalise, { runId });
    return;
  }
  const jobs = [];
  for (let i = 0; i < pending.length; i += CHIPS_PER_JOB) {
    jobs.push({ data: { runId, chipKeys: pending.slice(i, i + CHIPS_PER_JOB).map((p) => p.chipKey) } });
  }
  await boss.insert(jobs.map((j) => ({ ...j, name: QUEUES.chips })) as never);
  await refreshRunCounters(db, runId);
}

/** How often a job loop refreshes its run's counters (the progress bar, and where a cancel is seen) between chips. */
const REFRESH_MS = 500;

export async function processChips(deps: AppDeps, runId: string, chipKeys: string[]): Promise<void> {
  if (chipKeys.length === 0) return;
  const { db } = deps;
  let run: Run = await getRun(db, runId);
  const pipeline = pipelineFor(run.useCase);
  // the job's chips still to do, read once: a chip done meanwhile by a retried copy of this job is redone, idempotently
  const pending = await db.selectFrom('runChip').select('chipKey').where('runId', '=', runId).where('chipKey', 'in', chipKeys).where('status', '=', 'pending').execute();
  const todo = new Set(pending.map((c) => c.chipKey));
  // The counters are counts over the run's chips: refreshed after every chip, they cost two scans of them a chip
  // (quadratic over a large territory) and a progress notification each; every REFRESH_MS and at the end suffice.
  let refreshed = performance.now();
  for (const chipKey of chipKeys.filter((k) => todo.has(k))) {
    if (isFinished(run.status)) break; // cancelled: leave the rest pending for a resume
    const started = performance.now();
    try {
      const resultCount = await pipeline.processChip(deps, run, chipKey);
      await db
        .updateTable('runChip')
        .set({ status: 'done', resultCount, error: null, durationMs: Math.round(performance.now() - started), updatedAt: new Date() })
        .where('runId', '=', runId)
        .where('chipKey', '=', chipKey)
        .execute();
    } catch (error) {
      // infrastructure errors: pg-boss retries the job; bad input and a full disk fail the chip, with the reason
      if (!(error instanceof ChipInputError) && !isDiskFull(error)) throw error;
      const message = errorMessage(error);
      logger[isDiskFull(error) ? 'error' : 'warn']({ runId, chipKey, err: message }, 'chip failed');
      await db
        .updateTable('runChip')
        .set((eb) => ({ status: 'failed', error: message, attempts: eb('attempts', '+', 1), updatedAt: new Date() }))
        .where('runId', '=', runId)
        .where('chipKey', '=', chipKey)
        .execute();
    }
    if (performance.now() - refreshed >= REFRESH_MS) {
      run = await refreshRunCounters(db, runId);
      refreshed = performance.now();
    }
  }
  run = await refreshRunCounters(db, runId);
  if (run.status === 'running' && run.doneChips + run.failedChips >= run.totalChips) {
    await deps.boss.send(QUEUES.finalise, { runId }, { singletonKey: `finalise:${runId}` });
  }
}

export async function finaliseRun(deps: AppDeps, runId: string): Promise<void> {
  const { db } = deps;
  const run = await refreshRunCounters(db, runId);
  if (run.status !== 'running' || run.doneChips + run.failedChips < run.totalChips) return;
  try {
    await pipelineFor(run.useCase).finalise(deps, run);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    logger.error({ runId, err: errorMessage(error) }, 'run failed: disk full');
    await db.updateTable('run').set({ status: 'failed', finishedAt: new Date(), error: errorMessage(error) }).where('id', '=', runId).execute();
    return;
  }
  const allFailed = run.totalChips > 0 && run.doneChips === 0;
  await db
    .updateTable('run')
    .set({
      status: allFailed ? 'failed' : 'succeeded',
      finishedAt: new Date(),
      error: run.failedChips > 0 ? `${run.failedChips} tuile(s) en échec sur ${run.totalChips}` : null,
    })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}
