import os from 'node:os';
import path from 'node:path';
import type { DemoManifest } from '@vigie/data';
import { loadDemo } from '@vigie/workers/demo';
import { type TestStack, startStack } from './stack';

/**
 * Side of the demo square in tests: a quarter of the real one, same generator, same density of objects.
 * VIGIE_TEST_TERRITORY_M=2000 runs a suite on the whole demo territory (the ZAN figures of the README; 4× longer).
 */
export const TEST_TERRITORY_M = Number(process.env.VIGIE_TEST_TERRITORY_M ?? 1000);
if (!(TEST_TERRITORY_M >= 200 && TEST_TERRITORY_M <= 2000)) throw new Error(`VIGIE_TEST_TERRITORY_M : côté en mètres entre 200 et 2000 attendu, reçu « ${process.env.VIGIE_TEST_TERRITORY_M} »`);
/** The demo's seed is 42; another (VIGIE_TEST_TERRITORY_SEED) gives another territory, to choose a model on without looking at the test's. */
export const TEST_TERRITORY_SEED = Number(process.env.VIGIE_TEST_TERRITORY_SEED ?? 42);
if (!Number.isInteger(TEST_TERRITORY_SEED)) throw new Error(`VIGIE_TEST_TERRITORY_SEED : entier attendu, reçu « ${process.env.VIGIE_TEST_TERRITORY_SEED} »`);

/**
 * A real stack with the demo territory loaded (orthophotos tiled for the map only when asked, all or the
 * listed years: suites that only analyse do not wait behind the tiling). The territory is generated once per machine into a shared
 * temp folder (deterministic: same seed, same bytes) and reused by every suite.
 */
export async function startDemoStack(opts: { tileOrthophotos?: boolean | number[] } = {}): Promise<TestStack & { manifest: DemoManifest; demoDir: string }> {
  const stack = await startStack();
  const demoDir = path.join(os.tmpdir(), `vigie-demo-cache-${TEST_TERRITORY_M}m${TEST_TERRITORY_SEED === 42 ? '' : `-seed${TEST_TERRITORY_SEED}`}`);
  const { manifest } = await loadDemo(stack.platform, { outDir: demoDir, sizeM: TEST_TERRITORY_M, seed: TEST_TERRITORY_SEED, framesPerCamera: 4, tileOrthophotos: opts.tileOrthophotos ?? false });
  return { ...stack, manifest, demoDir };
}
