import { describe, expect, it } from 'vitest';
import { DISCS_MAX_IN_VIEW, dumpsDrawing, FOOTPRINT_MIN_ZOOM, HEATMAP_MAX_ZOOM } from '@vigie/web/dumps/drawing';
import { countWithin, detectionTable, tableWithin } from '@vigie/web/dumps/table';

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

describe('how the dumps are drawn', () => {
  // a grid of detections 0.001° apart over 0.1° × 0.1°: 10,000 of them
  const grid = detectionTable(Array.from({ length: 10_000 }, (_, i) => detection(i + 1, 2 + (i % 100) * 0.001, 49 + Math.floor(i / 100) * 0.001, 'a_verifier')));
  const all = [1.99, 48.99, 2.11, 49.11];
  const corner = [1.99, 48.99, 2.0095, 49.0095]; // 10 × 10 of them

  it('counts the positions inside bounds', () => {
    expect(countWithin(grid.positions, all)).toBe(10_000);
    expect(countWithin(grid.positions, corner)).toBe(100);
  });

  it('is a heat map zoomed out, footprints close up, and discs between unless too many are in view', () => {
    const discsZoom = (HEATMAP_MAX_ZOOM + FOOTPRINT_MIN_ZOOM) / 2;
    expect(dumpsDrawing(grid, { zoom: HEATMAP_MAX_ZOOM - 1, bounds: corner })).toBe('heat');
    expect(dumpsDrawing(grid, { zoom: FOOTPRINT_MIN_ZOOM, bounds: all })).toBe('footprints');
    expect(dumpsDrawing(grid, { zoom: discsZoom, bounds: corner })).toBe('discs');
    expect(DISCS_MAX_IN_VIEW).toBeLessThan(10_000);
    expect(dumpsDrawing(grid, { zoom: discsZoom, bounds: all })).toBe('heat');
    // before the map has said what it shows
    expect(dumpsDrawing(grid, { zoom: discsZoom, bounds: null })).toBe('discs');
  });
});
