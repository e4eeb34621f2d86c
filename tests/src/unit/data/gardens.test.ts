import { describe, expect, it } from 'vitest';
import { LC } from '../../../../data/src/landcover';
import { pointInRing, ringArea } from '../../../../data/src/territory/geometry';
import { buildTerritory } from '../../../../data/src/territory/layout';

describe('garden plots', () => {
  const territory = buildTerritory({ seed: 5, sizeM: 600 });
  const gardens = territory.areas.map((s) => s.item).filter((a) => a.material === 'jardin');
  const shrubs = territory.trees.map((s) => s.item).filter((t) => t.cls === LC.broussailles);

  it('mostly have a hedge of shrubs on a boundary, inside the plot, as French gardens do', () => {
    expect(gardens.length).toBeGreaterThan(10);
    const hedged = gardens.filter((g) => shrubs.filter((s) => pointInRing(s.center, g.ring)).length >= 3);
    expect(hedged.length / gardens.length).toBeGreaterThan(0.4);
    expect(hedged.length).toBeLessThan(gardens.length); // not every one: some plots are open
  });

  it('label each drive by its material: gravel a mineral surface, concrete a sealed one', () => {
    // a drive is 3 m wide and a few metres deep; farm yards of the same materials are thousands of m²
    const drives = territory.areas.map((s) => s.item).filter((a) => (a.material === 'gravier' || a.material === 'beton') && Math.abs(ringArea(a.ring)) < 60);
    const gravel = drives.filter((a) => a.material === 'gravier');
    expect(gravel.length).toBeGreaterThan(3);
    expect(drives.length - gravel.length).toBeGreaterThan(3);
    for (const a of drives) expect(a.cls).toBe(a.material === 'gravier' ? LC.chantier : LC.impermeable);
  });
});
