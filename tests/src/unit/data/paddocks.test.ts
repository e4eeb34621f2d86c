import { describe, expect, it } from 'vitest';
import { LC } from '../../../../data/src/landcover';
import { prepareScene, renderWindow } from '../../../../data/src/render/ortho';
import { paddockOf, parcelAt, parcelHit, type Paddock } from '../../../../data/src/territory/land';
import { buildTerritory, vintageScene } from '../../../../data/src/territory/layout';

describe('the meadows round a village', () => {
  const scene = vintageScene(buildTerritory({ seed: 42, sizeM: 2000 }), 0);
  const prepared = prepareScene(scene);
  const land = prepared.land;

  it('follow field boundaries: each paddock is meadow or crops as a whole, never cut by the ring', () => {
    // windows across the rims of the villages' meadow rings, where a disc drawn over the parcels would cut them
    const paddocks = new Map<string, [number, number]>();
    const hit = parcelHit();
    const paddock: Paddock = { index: 0, centre: [0, 0], edge: 0 };
    for (const village of scene.villages) {
      const size = 400;
      const col0 = Math.round((village.center[0] + village.radius * 1.05) / 0.2) - size / 2;
      const row0 = Math.round(village.center[1] / 0.2) - size / 2;
      if (col0 < 0 || row0 < 0 || col0 + size > 10_000 || row0 + size > 10_000) continue;
      const r = renderWindow(prepared, col0, row0, size, size);
      for (let y = 0; y < size; y += 2) {
        for (let x = 0; x < size; x += 2) {
          const cls = r.classes[y * size + x]!;
          if (cls !== LC.prairies && cls !== LC.cultures) continue;
          parcelAt(land, (col0 + x + 0.5) * 0.2, (row0 + y + 0.5) * 0.2, hit);
          paddockOf(hit, paddock);
          if (hit.edge < 2 || paddock.edge < 2) continue; // margins are grass whatever the paddock
          const key = `${hit.id}/${paddock.index}`;
          const counts = paddocks.get(key) ?? [0, 0];
          counts[cls === LC.prairies ? 0 : 1]++;
          paddocks.set(key, counts);
        }
      }
    }
    const big = [...paddocks.values()].filter(([m, c]) => m + c >= 200);
    const meadows = big.filter(([m, c]) => m > c);
    expect(meadows.length).toBeGreaterThan(3);
    expect(big.length - meadows.length).toBeGreaterThan(3);
    // a few pixels of a crop paddock may lie under a meadow-class area (a fallow plot): not a cut
    for (const [m, c] of big) expect(Math.min(m, c) / (m + c)).toBeLessThan(0.03);
  });
});
