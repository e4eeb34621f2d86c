/**
 * Chooses the dumps detector's score threshold on a validation territory: the demo generator with another
 * seed than the tests' (42), analysed through the real API and worker, and precision / recall over the
 * territory for each candidate threshold, with the kind of each false positive (from the generator's
 * hard negatives). The card's `thresholds.score` cites this output.
 *
 *   SEED=7 SIZE=2000 pnpm exec tsx tests/tools/dumps-threshold.ts     (about 10 min on 2 cores)
 */
import fs from 'node:fs';
import path from 'node:path';
import { toLambert93 } from '@vigie/api/geo';
import { loadDemo } from '@vigie/workers/demo';
import { startWorker } from '@vigie/workers/worker';
import { startStack, login } from '../src/support/stack';
import { waitForRun } from '../src/support/runs';

const SEED = Number(process.env.SEED ?? 7), SIZE = Number(process.env.SIZE ?? 2000);
const stack = await startStack();
const { manifest, dir } = await loadDemo(stack.platform, { outDir: `/tmp/vigie-val-${SIZE}-s${SEED}`, sizeM: SIZE, seed: SEED, framesPerCamera: 1, tileOrthophotos: false });
const worker = await startWorker(stack.platform, { concurrency: 2 });
const admin = await login(stack.baseUrl);
const boxes = (file: string) => (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')).features as { properties: Record<string, string>; geometry: { coordinates: number[][][] } }[]).map((f) => {
  const pts = f.geometry.coordinates[0]!.map((p) => toLambert93(p as [number, number]));
  return { kind: f.properties.kind ?? 'dump', box: [Math.min(...pts.map((p) => p[0])) - 3, Math.min(...pts.map((p) => p[1])) - 3, Math.max(...pts.map((p) => p[0])) + 3, Math.max(...pts.map((p) => p[1])) + 3] };
});
const inside = (b: number[], x: number, y: number) => x >= b[0]! && x <= b[2]! && y >= b[1]! && y <= b[3]!;
const all: { score: number; area: number; tp: boolean; kind: string }[] = [];
let truthTotal = 0;
const truthFound = new Map<number, { score: number }[]>();
// the first and last vintages: the middle one shares most of its dumps with them
for (const v of manifest.vintages.filter((_, i) => i !== 1)) {
  const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: v.year, model: 'dumps-detector' }) });
  const { id } = (await res.json()) as { id: string };
  await waitForRun(stack.platform.db, id, 1_800_000);
  const dets = (await stack.platform.db.selectFrom('dumpDetection').selectAll().where('runId', '=', id).execute()).filter((d) => d.change !== 'disparu');
  const truth = boxes(v.dumps), negs = boxes(v.hardNegatives);
  for (const d of dets) {
    const tp = truth.some((t) => inside(t.box, d.xL93, d.yL93));
    all.push({ score: d.score, area: d.areaM2, tp, kind: tp ? 'dump' : (negs.find((n) => inside(n.box, d.xL93, d.yL93))?.kind ?? 'other') });
  }
  for (const t of truth) truthFound.set(truthTotal++, dets.filter((d) => inside(t.box, d.xL93, d.yL93)).map((d) => ({ score: d.score })));
  console.log(`${v.year}: ${truth.length} dumps, ${dets.length} detections`);
}
for (const th of [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]) {
  const kept = all.filter((d) => d.score >= th);
  const tp = kept.filter((d) => d.tp).length;
  const found = [...truthFound.values()].filter((ds) => ds.some((d) => d.score >= th)).length;
  console.log(`threshold ${th}: ${kept.length} kept, precision ${(tp / Math.max(1, kept.length)).toFixed(2)}, recall ${(found / truthTotal).toFixed(2)}`);
}
const fps = all.filter((d) => !d.tp);
console.log('false positives by kind', JSON.stringify(fps.reduce((m, d) => ({ ...m, [d.kind]: (m[d.kind] ?? 0) + 1 }), {} as Record<string, number>)));
console.log('FP scores/areas', fps.map((d) => `${d.kind}:${d.score.toFixed(2)}/${d.area.toFixed(0)}m²`).join(' '));
console.log('TP scores', all.filter((d) => d.tp).map((d) => d.score.toFixed(2)).join(' '));
await worker.stop();
await stack.stop();
