import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTrainingSet, sceneSeedFor, sceneSideFor } from '../../../../data/src/training';
import { buildTerritory } from '../../../../data/src/territory/layout';

describe('training splits', () => {
  it('refuses a count that is not a positive integer, before writing anything', async () => {
    const work = mkdtempSync(join(tmpdir(), 'vigie-split-'));
    try {
      for (const count of [0, -3, 2.5, Number.NaN]) {
        const outDir = join(work, String(count));
        await expect(generateTrainingSet({ task: 'crowd', split: 'test', count, outDir })).rejects.toMatchObject({ code: 'invalid_input' });
        expect(existsSync(outDir)).toBe(false);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('draw scenes from disjoint seed ranges', () => {
    const seeds = (split: 'train' | 'val' | 'test') => new Set(Array.from({ length: 20000 }, (_, n) => sceneSeedFor(split, 42, n)));
    const train = seeds('train');
    const val = seeds('val');
    const test = seeds('test');
    for (const s of val) expect(train.has(s)).toBe(false);
    for (const s of test) expect(train.has(s) || val.has(s)).toBe(false);
  });

  it('builds the same territory from the same seed and another from another', () => {
    const a = buildTerritory({ seed: 7, sizeM: 500 });
    const b = buildTerritory({ seed: 7, sizeM: 500 });
    const c = buildTerritory({ seed: 8, sizeM: 500 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.buildings)).not.toBe(JSON.stringify(c.buildings));
  });

  it('cut land-cover chips from scenes up to the 2 km of the demo territory, dump chips from 600 m scenes', () => {
    const sides = (task: 'dumps' | 'landcover') => new Set(Array.from({ length: 30 }, (_, n) => sceneSideFor(task, sceneSeedFor('train', 42, n * 24))));
    expect([...sides('landcover')].sort((a, b) => a - b)).toEqual([600, 1200, 2000]);
    expect([...sides('dumps')]).toEqual([600]);
  });
});
