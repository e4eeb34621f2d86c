import type { AppDeps } from '@vigie/api/http';
import type { Run } from '@vigie/api/runs';

/**
 * What a use case plugs into the run machinery. Chips are identified by stable string keys;
 * every result a chip writes is upserted on (run, chip key), so re-processing never duplicates.
 */
export interface Pipeline {
  /** the chip keys of a run (called again on resume: must return the same keys) */
  plan(deps: AppDeps, run: Run): Promise<string[]>;
  /** processes one chip, returns how many results it wrote */
  processChip(deps: AppDeps, run: Run, chipKey: string): Promise<number>;
  /** once every chip is processed: merge, aggregate, link */
  finalise(deps: AppDeps, run: Run): Promise<void>;
}

/** A chip whose input is broken (corrupt tile, unreadable window): fails that chip, not the run. */
export class ChipInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChipInputError';
  }
}
