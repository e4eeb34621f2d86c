import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { renderTileJob, type TileJob, type TileResult } from './tile-job';

/**
 * Renders tiles on worker threads (one per core) and hands results back in job
 * order, so that files are byte-identical whatever the scheduling. With
 * `threads: 0` everything runs in this thread.
 */
export async function renderTiles(jobs: TileJob[], threads: number, onResult: (r: TileResult) => void): Promise<void> {
  if (threads <= 0 || jobs.length < 4) {
    for (const job of jobs) {
      onResult(renderTileJob(job));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return;
  }
  const workers = Array.from({ length: threads }, () => spawn());
  const pending = new Map<number, TileResult>();
  let nextToEmit = 0;
  let nextToSend = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (w: Worker) => {
        if (nextToSend < jobs.length) w.postMessage(jobs[nextToSend++]);
      };
      for (const w of workers) {
        w.on('message', (r: TileResult) => {
          pending.set(r.id, r);
          while (pending.has(jobs[nextToEmit]?.id ?? -1)) {
            const ready = pending.get(jobs[nextToEmit]!.id)!;
            pending.delete(ready.id);
            nextToEmit++;
            try {
              onResult(ready);
            } catch (err) {
              reject(err);
              return;
            }
          }
          if (nextToEmit === jobs.length) resolve();
          else send(w);
        });
        w.on('error', reject);
        // Two jobs in flight per worker keeps it busy while the main thread writes.
        send(w);
        send(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function spawn(): Worker {
  const worker = new URL('./tile-worker.ts', import.meta.url).href;
  // The worker is TypeScript: register tsx's loader in it first, whoever started this process (tsx, vitest).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); })`;
  return new Worker(boot, { eval: true });
}
