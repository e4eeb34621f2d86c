import { parentPort } from 'node:worker_threads';
import { renderTileJob, type TileJob } from './tile-job';

parentPort?.on('message', (job: TileJob) => {
  const r = renderTileJob(job);
  parentPort?.postMessage(r, [r.ortho.buffer as ArrayBuffer, r.landcover.buffer as ArrayBuffer]);
});
