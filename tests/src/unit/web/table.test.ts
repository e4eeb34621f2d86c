import { describe, expect, it } from 'vitest';
import { detectionTable, tableWithin } from '@vigie/web/dumps/table';

type Position = [number, number];

const detection = (id: number, lon: number, lat: number, status: 'a_verifier' | 'confirme') => ({
  type: 'Feature' as const,
  id,
  geometry: { type: 'Polygon' as const, coordinates: [[[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat]] as Position[]] },
  properties: { id, lon, lat, score: 0.5 + id / 10, areaM2: 10 * id, status } as never,
});

describe('dumps table cut to the view', () => {
  it('keeps the detections inside the bounds, their columns and footprints, and their index in the full table', () => {
    const table = detectionTable([detection(1, 2.0, 49.0, 'a_verifier'), detection(2, 2.5, 49.5, 'confirme'), detection(3, 2.1, 49.1, 'confirme')]);
    const part = tableWithin(table, [1.9, 48.9, 2.2, 49.2]);
    expect(part.length).toBe(2);
    expect([...part.indices]).toEqual([0, 2]);
    expect(part.rows.map((r) => r.id)).toEqual([1, 3]);
    expect([...part.positions]).toEqual([2.0, 49.0, 2.1, 49.1]);
    expect([...part.radii]).toEqual([table.radii[0], table.radii[2]]);
    expect([...part.colors.subarray(4, 8)]).toEqual([...table.colors.subarray(8, 12)]);
    expect([...part.footprintStarts]).toEqual([0, 4, 8]);
    expect([...part.footprintPositions.subarray(8, 10)]).toEqual([2.1, 49.1]);
    expect(tableWithin(table, [0, 0, 1, 1]).length).toBe(0);
  });
});
