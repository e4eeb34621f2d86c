import type { AppDeps } from '@vigie/api/http';
import { setFrameCounter } from '@vigie/api/affluence';
import { modelFor } from '../pipelines/models';
import { frameCounterFor } from './counting';

export * from './counting';
export * from './poller';

/** The shipped people and vehicle model (models/crowd-counter), or a registered one of that id. */
export const CROWD_MODEL_ID = 'crowd-counter';

/**
 * Makes this process count frames (pushed frames in the API, the snapshot poller): the model loads on the
 * first frame, shared with the worker's other jobs through modelFor().
 */
export function installFrameCounter(deps: Pick<AppDeps, 'db'>, modelId = CROWD_MODEL_ID): void {
  setFrameCounter(async () => frameCounterFor(await modelFor(deps as AppDeps, modelId)));
}
export * from './demo-feed';
