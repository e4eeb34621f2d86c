import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LANDCOVER_CLASSES, LC } from '../../../../data/src/landcover';

describe('land-cover class table', () => {
  it('has consecutive ids, unique keys and hex colours', () => {
    LANDCOVER_CLASSES.forEach((c, i) => expect(c.id).toBe(i));
    expect(new Set(LANDCOVER_CLASSES.map((c) => c.key)).size).toBe(LANDCOVER_CLASSES.length);
    for (const c of LANDCOVER_CLASSES) {
      expect(c.color).toMatch(/^#[0-9a-f]{6}$/);
      expect(c.category).toBeGreaterThanOrEqual(1);
      expect(c.category).toBeLessThanOrEqual(10);
    }
  });

  it('marks sealed classes as artificialised and woody cover as not', () => {
    for (const c of LANDCOVER_CLASSES) if (c.sealed) expect(c.artificialised).toBe(true);
    for (const key of ['feuillus', 'coniferes', 'broussailles', 'eau'] as const) expect(LANDCOVER_CLASSES[LC[key]]!.artificialised).toBe(false);
    expect(LANDCOVER_CLASSES[LC.bati]!.ocsge).toBe('CS1.1.1.1');
  });

  it('numbers categories after the 2023 annex to art. R101-1: 1° to 5° artificialised, 6° to 10° not', () => {
    for (const c of LANDCOVER_CLASSES) expect(c.category <= 5).toBe(c.artificialised);
    const category = (key: keyof typeof LC) => LANDCOVER_CLASSES[LC[key]]!.category;
    expect([category('bati'), category('impermeable'), category('permeable_artificialise')]).toEqual([1, 2, 4]);
    expect([category('eau'), category('cultures'), category('feuillus'), category('broussailles')]).toEqual([6, 7, 8, 9]);
  });

  it('is the JSON file the Python recipes read', () => {
    const raw = JSON.parse(readFileSync(new URL('../../../../data/landcover-classes.json', import.meta.url), 'utf8'));
    expect(raw).toEqual(LANDCOVER_CLASSES);
  });
});
