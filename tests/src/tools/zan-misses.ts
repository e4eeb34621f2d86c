/**
 * Where the shipped land-cover model loses or adds artificialised area in one commune and vintage of the demo
 * territory: truth against prediction, both through the nomenclature, by class transition and by connected
 * region (the largest, with their Lambert-93 place). A diagnostic for model rounds, not a test:
 *
 *   VIGIE_TEST_TERRITORY_M=2000 pnpm exec tsx tests/src/tools/zan-misses.ts 2018 95483
 */
import { loadClassRaster, Nomenclature } from '@vigie/api/zan';
import { startWorker } from '@vigie/workers/worker';
import { artificialisedMask, forEachRegion, pixelAreaM2, rasterisePolygons, type LabelledPolygon } from '@vigie/workers/zan';
import classes from '../../../data/landcover-classes.json' with { type: 'json' };
import { truthVintage } from '../integration/zan/support';
import { startDemoStack } from '../support/demo';
import { waitForRun } from '../support/runs';
import { login } from '../support/stack';

const [year, insee] = [Number(process.argv[2]), process.argv[3]];
if (!Number.isInteger(year) || !insee) throw new Error('usage: zan-misses.ts <millésime> <INSEE>');
const name = (c: number) => classes.find((k) => k.id === c)?.key ?? `classe ${c}`;

const stack = await startDemoStack();
const worker = await startWorker(stack.platform, { concurrency: 2 });
try {
  const { db, storage } = stack.platform;
  const admin = await login(stack.baseUrl);
  const vintage = stack.manifest.vintages.find((v) => v.year === year);
  if (!vintage) throw new Error(`millésime ${year} absent du territoire`);
  const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'zan', vintage: year }) });
  await waitForRun(db, ((await created.json()) as { id: string }).id, 1_200_000);

  const authorityId = (await db.selectFrom('commune').select('authorityId').executeTakeFirstOrThrow()).authorityId;
  const truth = await truthVintage(db, authorityId, stack.demoDir, year, vintage.landcover);
  const vintageId = (await db.selectFrom('vintage').select('id').where('year', '=', year).where('authorityId', '=', authorityId).executeTakeFirstOrThrow()).id;
  const predicted = (await loadClassRaster(storage, authorityId, vintageId))!;
  const t = truth.analysed.raster;
  const { nomenclature } = await db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirstOrThrow();
  const px = pixelAreaM2(t.geoTransform);
  const predictedArt = artificialisedMask(predicted, Nomenclature.parse(nomenclature), px);
  const communes = await db.selectFrom('commune').select(['insee', 'geometry']).where('authorityId', '=', authorityId).orderBy('insee').execute();
  const labels = rasterisePolygons(communes.map((c) => ({ geometry: c.geometry as unknown as LabelledPolygon['geometry'] })), t.geoTransform, t.width, t.height);
  const label = communes.findIndex((c) => c.insee === insee) + 1;
  if (label === 0) throw new Error(`commune ${insee} absente du territoire`);

  // per pixel: 1 missed (artificialised in the truth only), 2 added (in the prediction only)
  const n = t.width * t.height;
  const diff = new Uint8Array(n);
  const byTransition = [new Map<string, number>(), new Map<string, number>()];
  for (let p = 0; p < n; p++) {
    if (labels[p] !== label || truth.analysed.artificialised[p] === predictedArt[p]) continue;
    diff[p] = truth.analysed.artificialised[p] ? 1 : 2;
    const key = `${name(t.classes[p]!)} → ${name(predicted.classes[p]!)}`;
    byTransition[diff[p]! - 1]!.set(key, (byTransition[diff[p]! - 1]!.get(key) ?? 0) + px);
  }
  const m2 = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
  const top = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `  ${k}: ${v.toFixed(0)} m²`).join('\n');
  console.log(`${insee} ${year}: truth ${(truth.artificialisedM2.get(insee)! / 10_000).toFixed(2)} ha artificialised`);
  console.log(`missed ${m2(byTransition[0]!).toFixed(0)} m² (truth class → predicted class)\n${top(byTransition[0]!)}`);
  console.log(`added ${m2(byTransition[1]!).toFixed(0)} m²\n${top(byTransition[1]!)}`);

  // connected regions of each kind (4-neighbours), the largest with their centre in Lambert-93
  const regions: { kind: string; m2: number; x: number; y: number }[] = [];
  const gt = t.geoTransform;
  for (const kind of [1, 2] as const) {
    forEachRegion(t.width, t.height, (p) => diff[p] === kind, n, (region) => {
      let sx = 0, sy = 0;
      for (let k = 0; k < region.collected; k++) {
        const p = region.pixels[k]!;
        sx += p % t.width;
        sy += Math.floor(p / t.width);
      }
      const c = region.collected;
      regions.push({ kind: kind === 1 ? 'missed' : 'added', m2: region.size * px, x: gt.originX + (sx / c + 0.5) * gt.pixelWidth, y: gt.originY - (sy / c + 0.5) * gt.pixelHeight });
    });
  }
  regions.sort((a, b) => b.m2 - a.m2);
  console.log(`largest regions:\n${regions.slice(0, 12).map((r) => `  ${r.kind} ${r.m2.toFixed(0)} m² around E ${r.x.toFixed(0)}, N ${r.y.toFixed(0)}`).join('\n')}`);
} finally {
  await worker.stop();
  await stack.stop();
}
