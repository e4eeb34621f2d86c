import type { Selectable } from 'kysely';
import type { RunTable } from '../db/schema';

export type Run = Selectable<RunTable>;

export interface RunProgress {
  id: string;
  useCase: string;
  status: string;
  totalChips: number;
  doneChips: number;
  failedChips: number;
  /** 0..1 */
  fraction: number;
  /** seconds left at the pace so far, null before the first chip or once finished */
  etaSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

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

export const isFinished = (status: string) => status === 'succeeded' || status === 'failed' || status === 'cancelled';
