import type { Selectable } from 'kysely';
import { type RunProgress, isFinished } from '../contract';
import type { RunTable } from '../db/schema';

export type Run = Selectable<RunTable>;
export { type RunProgress, isFinished };

/** What the progress bars show; the ETA is the elapsed time per processed chip times the chips left. */
export function runProgress(run: Run, now: Date = new Date()): RunProgress {
  const processed = run.doneChips + run.failedChips;
  const fraction = run.totalChips > 0 ? processed / run.totalChips : run.status === 'succeeded' ? 1 : 0;
  let etaSeconds: number | null = null;
  if (run.status === 'running' && run.startedAt && processed > 0 && processed < run.totalChips) {
    const elapsed = (now.getTime() - new Date(run.startedAt).getTime()) / 1000;
    etaSeconds = Math.round((elapsed / processed) * (run.totalChips - processed));
  }
  return {
    id: run.id,
    useCase: run.useCase,
    status: run.status,
    totalChips: run.totalChips,
    doneChips: run.doneChips,
    failedChips: run.failedChips,
    fraction,
    etaSeconds,
    startedAt: run.startedAt ? new Date(run.startedAt).toISOString() : null,
    finishedAt: run.finishedAt ? new Date(run.finishedAt).toISOString() : null,
    error: run.error,
  };
}

