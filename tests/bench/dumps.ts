/**
 * Dumps benchmark: a full detection run on this machine, in km² per hour, against bare inference.
 *
 *   run:        POST /api/runs on the real stack (embedded PostgreSQL, queue, one worker with its session
 *               pool), from the request to the run's end: planning, window reads, preprocessing,
 *               inference, decoding, candidates in the database, merging, change tracking, thumbnails
 *   reference:  bare `session.run` on prepared tensors of the same run's chips, one session, scaled to the
 *               pool: what the chips would cost if inference were all there is
 *
 * Run: pnpm bench dumps (or tsx tests/bench/dumps.ts). The 1 km demo territory is generated once into the
 * temp folder and shared with the test suites.
 */
import path from 'node:path';
import { describeGeoTiff, openGeoTiff } from '@vigie/workers/imagery';
import { loadModel, measurePathOverhead, rasterFromGeoTiff } from '@vigie/workers/runtime';
import { startWorker } from '@vigie/workers/worker';
import { parseChipKey } from '@vigie/workers/pipelines';
import { startDemoStack } from '../src/support/demo';
import { login } from '../src/support/stack';
import { waitForRun } from '../src/support/runs';

const MODEL_DIR = path.resolve(import.meta.dirname, '../../models/dumps-detector');

export interface DumpsBench {
  km2: number;
  chips: number;
  runS: number;
  runKm2PerHour: number;
  bareMsPerChip: number;
  bareKm2PerHour: number;
  /** run wall time / bare inference time of the same chips scaled to the pool */
  runOverBare: number;
  /** the chips' own pace (first chip done to last), without the run's fixed costs */
  steadyKm2PerHour: number;
  /** what the run spent besides its chips at that pace: queue, planning, model loading, finalise */
  fixedS: number;
  /** ms per chip of bare runs with every session busy (measured) */
  bareBusyMsPerChip: number;
  /** run wall time / bare runs of the same chips with every session busy */
  runOverBusyBare: number;
  detections: number;
}

export async function benchDumps(log: (line: string) => void = console.log): Promise<DumpsBench> {
  const stack = await startDemoStack();
  try {
    const admin = await login(stack.baseUrl);
    const worker = await startWorker(stack.platform);
    const vintage = stack.manifest.vintages[0]!;
    const started = performance.now();
    const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: vintage.year }) });
    if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const run = await waitForRun(stack.platform.db, id, 1_800_000);
    const runMs = performance.now() - started;
    await worker.stop();
    if (run.status !== 'succeeded') throw new Error(`run ${run.status}: ${run.error}`);

    const chipRows = await stack.platform.db.selectFrom('runChip').select(['chipKey', 'updatedAt']).where('runId', '=', id).execute();
    const chipKeys = chipRows.map((c) => c.chipKey);
    // the chips' own pace, from the first chip done to the last, without the run's fixed costs (queue, model
    // loading, planning, finalise): what a large area converges to
    const done = chipRows.map((c) => new Date(c.updatedAt).getTime()).sort((a, b) => a - b);
    const steadyMsPerChip = (done.at(-1)! - done[0]!) / Math.max(1, done.length - 1);
    const detections = await stack.platform.db.selectFrom('dumpDetection').select((eb) => eb.fn.countAll<number>().as('n')).where('runId', '=', id).executeTakeFirstOrThrow();
    const file = path.join(stack.demoDir, vintage.ortho);
    const info = await describeGeoTiff(file);
    const { image } = await openGeoTiff(file);
    // the run's area: the territory the orthophoto covers (the run had no area, so the whole image)
    const km2 = (info.width * Math.abs(info.geoTransform.pixelWidth) * info.height * Math.abs(info.geoTransform.pixelHeight)) / 1e6;

    const model = await loadModel(MODEL_DIR, { skipChecksum: true });
    const sample = await Promise.all(chipKeys.slice(0, 8).map((key) => rasterFromGeoTiff(image, parseChipKey(key))));
    const { bareMs, bareBusyMs } = await measurePathOverhead(model, sample, 16);
    const sessions = model.pool.size;
    const chipPx = model.card.input.width;
    await model.close();

    const bareTotalMs = (bareMs / sessions) * chipKeys.length;
    const perHour = (ms: number) => km2 / (ms / 3_600_000);
    const result: DumpsBench = {
      km2,
      chips: chipKeys.length,
      runS: runMs / 1000,
      runKm2PerHour: perHour(runMs),
      bareMsPerChip: bareMs,
      bareKm2PerHour: perHour(bareTotalMs),
      runOverBare: runMs / bareTotalMs,
      steadyKm2PerHour: perHour(steadyMsPerChip * chipKeys.length),
      fixedS: (runMs - steadyMsPerChip * chipKeys.length) / 1000,
      bareBusyMsPerChip: bareBusyMs,
      runOverBusyBare: runMs / (bareBusyMs * chipKeys.length),
      detections: Number(detections.n),
    };
    log(`dumps: ${km2.toFixed(2)} km², ${result.chips} chips of ${chipPx} px at 0.20 m, ${sessions} sessions, ${result.detections} detections`);
    log(`dumps: full run ${result.runS.toFixed(1)} s → ${result.runKm2PerHour.toFixed(1)} km²/h; chips at their own pace ${result.steadyKm2PerHour.toFixed(1)} km²/h, and ${result.fixedS.toFixed(1)} s besides (queue, planning, model loading, finalise)`);
    log(`dumps: bare inference ${bareMs.toFixed(0)} ms/chip, one session scaled ×${sessions} → ${result.bareKm2PerHour.toFixed(1)} km²/h; the run costs ×${result.runOverBare.toFixed(2)} bare`);
    log(`dumps: bare inference with every session busy (measured) ${bareBusyMs.toFixed(0)} ms/chip → ${perHour(bareBusyMs * chipKeys.length).toFixed(1)} km²/h; the run costs ×${result.runOverBusyBare.toFixed(2)} of it`);
    return result;
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  benchDumps().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
