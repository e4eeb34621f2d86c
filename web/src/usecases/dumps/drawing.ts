/** How the dumps view draws its detections, by zoom and by how many are in view. */
import { countWithin, type DetectionTable } from './table';

/** Below this zoom the detections read better as density than as dots. */
export const HEATMAP_MAX_ZOOM = 13;
/** From this zoom on, each detection is drawn as its footprint. */
export const FOOTPRINT_MIN_ZOOM = 16;
/**
 * Between the two, more discs than this in view are drawn as the heat map too: some 5,000 discs took software
 * WebGL 0.42 s a frame on average (`pnpm bench web`), and that many dots overlap into a density anyway.
 */
export const DISCS_MAX_IN_VIEW = 3000;

/** How the detections are drawn: as a density, one disc each, or one footprint each. */
export type DumpsDrawing = 'heat' | 'discs' | 'footprints';

export interface DumpsView {
  zoom: number;
  /** index in the table of the detection under review, or -1 */
  selected: number;
  /** what the map shows (west, south, east, north), as of the last time it stopped moving */
  bounds: readonly number[] | null;
}

// the count in view, per table geometry and view: the layers and the panel both ask for it
const inView = new WeakMap<Float64Array, { key: string; count: number }>();

/** How the detections are drawn at this view (the panel says so when density wins over zoom). */
export function dumpsDrawing(table: DetectionTable, view: Pick<DumpsView, 'zoom' | 'bounds'>): DumpsDrawing {
  if (view.zoom < HEATMAP_MAX_ZOOM) return 'heat';
  if (view.zoom >= FOOTPRINT_MIN_ZOOM) return 'footprints';
  if (!view.bounds || table.length <= DISCS_MAX_IN_VIEW) return 'discs';
  const key = view.bounds.join(',');
  let cached = inView.get(table.positions);
  if (cached?.key !== key) {
    cached = { key, count: countWithin(table.positions, view.bounds) };
    inView.set(table.positions, cached);
  }
  return cached.count > DISCS_MAX_IN_VIEW ? 'heat' : 'discs';
}
