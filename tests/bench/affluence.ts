/**
 * Affluence benchmark: simulated cameras push frames concurrently to the real API on loopback (real
 * PostgreSQL, real ONNX model), bounded in cameras, time and frames. Reports sustained frames/s, p50/p95
 * latency per frame, and ratios to bare inference (`session.run` on the same frames) measured in the same run.
 *
 * Two phases: paced (cameras push on a schedule at the goal's 10 frames/s: latency under a realistic
 * load) and saturated (each camera pushes again as soon as it is answered: the sustained maximum).
 *
 *   pnpm exec tsx tests/bench/affluence.ts [--cameras 4] [--seconds 20] [--rate 10]
 */
import { pathToFileURL } from 'node:url';
import { logger } from '@vigie/api/logger';
import { loadModel, measurePathOverhead, rasterFromEncoded } from '@vigie/workers/runtime';
import { closeFrameCounter, setFrameCounter } from '@vigie/api/affluence';
import { frameCounterFor } from '@vigie/workers/affluence';
import { countingModelDir, testFrames } from '../src/integration/affluence/support';
import { login, startStack } from '../src/support/stack';

export interface AffluenceBenchOptions {
  /** simulated cameras, each pushing its next frame as soon as the last one is answered */
  cameras?: number;
  /** how long the cameras push */
  seconds?: number;
  /** hard cap on frames pushed in all */
  maxFrames?: number;
  /** frames/s offered in the paced phase (cameras pushing on a schedule, as real ones do) */
  rate?: number;
}

export interface PacedPhase {
  /** frames/s offered, spread evenly over the cameras */
  offered: number;
  frames: number;
  /** refused with 503 counting_busy (the camera's next frame replaces it) */
  busy: number;
  framesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
}

export interface AffluenceBenchResult {
  model: string;
  cameras: number;
  /** cameras pushing on a schedule at the goal's rate: latency under a realistic load */
  paced: PacedPhase;
  frames: number;
  failed: number;
  seconds: number;
  framesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** bare session.run, one frame at a time (median ms) */
  bareMs: number;
  /** the model's whole path in-process (decode + preprocess + run + decode), pipelined over the pool */
  pathFramesPerSecond: number;
  /** API frames/s against bare session.run spread perfectly over the pool's sessions */
  throughputRatioToBare: number;
  /** API p50 latency against one bare session.run */
  latencyRatioToBare: number;
}

export async function benchAffluence(opts: AffluenceBenchOptions = {}): Promise<AffluenceBenchResult> {
  const cameras = Math.min(Math.max(opts.cameras ?? 4, 1), 16);
  const seconds = Math.min(Math.max(opts.seconds ?? 20, 2), 120);
  const maxFrames = Math.min(opts.maxFrames ?? 5000, 20_000);
  const rate = Math.min(Math.max(opts.rate ?? 10, 1), 100);
  const level = logger.level;
  logger.level = 'warn'; // one access log line per frame would measure the terminal
  const model = countingModelDir();
  const stack = await startStack();
  const loaded = await loadModel(model.dir);
  try {
    setFrameCounter(frameCounterFor(loaded));
    const frames = await testFrames(8, 77);
    const admin = await login(stack.baseUrl);
    const sensors: { id: number; key: string }[] = [];
    for (let i = 0; i < cameras; i++) {
      const res = await admin.fetch('/api/affluence/sensors', {
        method: 'POST',
        body: JSON.stringify({ name: `Caméra ${i + 1}`, zone: `bench-${i % 2}`, lon: 2.35, lat: 48.85, calmMax: 10, busyMax: 30, intervalS: 5 }),
      });
      const body = (await res.json()) as { sensor: { id: number }; key: string };
      sensors.push({ id: body.sensor.id, key: body.key });
    }
    const push = (sensor: { id: number; key: string }, jpeg: Buffer) =>
      fetch(`${stack.baseUrl}/api/affluence/sensors/${sensor.id}/frames`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', 'x-sensor-key': sensor.key },
        body: jpeg,
      });
    for (const frame of frames) for (const sensor of sensors.slice(0, 2)) await (await push(sensor, frame.jpeg)).arrayBuffer(); // warm-up: sessions, JIT, pool

    // Paced: each camera sends every cameras/rate seconds, whatever the answers (a late frame is not skipped).
    const pacedLatencies: number[] = [];
    let failed = 0;
    let busy = 0;
    const pacedStart = performance.now();
    const pacedEnd = pacedStart + (seconds / 2) * 1000;
    const period = (cameras / rate) * 1000;
    await Promise.all(
      sensors.map(async (sensor, c) => {
        const inFlight: Promise<void>[] = [];
        for (let i = 0, due = pacedStart + (c * period) / cameras; due < pacedEnd; i++, due += period) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
          inFlight.push(
            (async () => {
              const t0 = performance.now();
              const res = await push(sensor, frames[(i + c) % frames.length]!.jpeg);
              await res.arrayBuffer();
              if (res.status === 201) pacedLatencies.push(performance.now() - t0);
              else if (res.status === 503) busy++;
              else failed++;
            })(),
          );
        }
        await Promise.all(inFlight);
      }),
    );
    const pacedElapsed = (performance.now() - pacedStart) / 1000;
    const pacedBusy = busy;

    // Saturated: each camera pushes its next frame as soon as the last is answered.
    const latencies: number[] = [];
    let sent = 0;
    const started = performance.now();
    const deadline = started + (seconds / 2) * 1000;
    await Promise.all(
      sensors.map(async (sensor, c) => {
        for (let i = c; performance.now() < deadline && sent < maxFrames; i++) {
          sent++;
          const t0 = performance.now();
          const res = await push(sensor, frames[i % frames.length]!.jpeg);
          await res.arrayBuffer();
          if (res.status === 201) latencies.push(performance.now() - t0);
          else if (res.status === 503) busy++;
          else failed++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;

    const rasters = await Promise.all(frames.map((f) => rasterFromEncoded(f.jpeg)));
    const reference = await measurePathOverhead(loaded, rasters, 24);
    const framesPerSecond = latencies.length / elapsed;
    const p50Ms = percentile(latencies, 0.5);
    return {
      model: `${loaded.card.id} ${loaded.card.version}${model.trained ? '' : ' (random fixture)'}`,
      cameras,
      paced: {
        offered: rate,
        frames: pacedLatencies.length,
        busy: pacedBusy,
        framesPerSecond: round(pacedLatencies.length / pacedElapsed),
        p50Ms: round(percentile(pacedLatencies, 0.5)),
        p95Ms: round(percentile(pacedLatencies, 0.95)),
      },
      frames: latencies.length,
      failed,
      seconds: round(elapsed),
      framesPerSecond: round(framesPerSecond),
      p50Ms: round(p50Ms),
      p95Ms: round(percentile(latencies, 0.95)),
      bareMs: round(reference.bareMs),
      pathFramesPerSecond: round(reference.imagesPerSecond),
      throughputRatioToBare: round(framesPerSecond / (loaded.pool.size * (1000 / reference.bareMs))),
      latencyRatioToBare: round(p50Ms / reference.bareMs),
    };
  } finally {
    await closeFrameCounter();
    await loaded.close();
    await stack.stop();
    logger.level = level;
  }
}

export function printAffluence(result: AffluenceBenchResult): void {
  console.log(`\nAffluence — ${result.cameras} caméras simulées, modèle ${result.model}`);
  console.log(`Cadencé (${result.paced.offered} images/s offertes, comme des caméras réelles) :`);
  console.table({
    'images comptées': result.paced.frames,
    'refusées (saturé, 503)': result.paced.busy,
    'images/s (API)': result.paced.framesPerSecond,
    'latence p50 (ms)': result.paced.p50Ms,
    'latence p95 (ms)': result.paced.p95Ms,
  });
  console.log(`Saturé (${result.seconds} s, chaque caméra renvoie dès la réponse reçue) :`);
  console.table({
    'images comptées': result.frames,
    'échecs': result.failed,
    'images/s (API, soutenu)': result.framesPerSecond,
    'latence p50 (ms)': result.p50Ms,
    'latence p95 (ms)': result.p95Ms,
    'session.run nu (ms, médiane)': result.bareMs,
    'chemin modèle en processus (images/s)': result.pathFramesPerSecond,
    'débit API / session.run nu × sessions': result.throughputRatioToBare,
    'latence p50 API / session.run nu': result.latencyRatioToBare,
  });
  console.log('Objectif : ≥ 10 images/s avec p95 < 300 ms sur 2 cœurs.');
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const round = (x: number) => Math.round(x * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const result = await benchAffluence({ cameras: arg('cameras'), seconds: arg('seconds'), rate: arg('rate') });
  printAffluence(result);
  console.log(JSON.stringify({ affluence: result }));
  process.exit(0);
}
