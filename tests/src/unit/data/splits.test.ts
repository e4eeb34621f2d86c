import { describe, expect, it } from 'vitest';
import { sceneSeedFor } from '../../../../data/src/training';
import { buildTerritory } from '../../../../data/src/territory/layout';

describe('training splits', () => {
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
});
