import type { Layer, PickingInfo } from '@deck.gl/core';
import { BitmapLayer, PathLayer, ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers';
import { dumpsDrawing, type DumpsView } from './drawing';
import { heatImage } from './heat';
import { type DetectionTable, type TablePart, tableWithin } from './table';

/** Layer ids, for picking (App reads the index of the picked detection). */
export const DUMPS_PICKABLE = new Set(['dumps-points', 'dumps-footprints']);

interface BinaryViews {
  points: object;
  footprints: object;
  outlines: object;
}

// deck.gl compares `data` by reference: one set of binary views per table, made once
const views = new WeakMap<DetectionTable, BinaryViews>();

function binaryViews(table: DetectionTable | TablePart): BinaryViews {
  let v = views.get(table);
  if (!v) {
    const { length, positions, radii, colors, footprintStarts, footprintPositions, footprintColors } = table;
    // a part's `indices` ride along with its data, so that a pick maps back to the full table
    const indices = 'indices' in table ? table.indices : undefined;
    v = {
      points: { length, indices, attributes: { getPosition: { value: positions, size: 2 }, getRadius: { value: radii, size: 1 }, getFillColor: { value: colors, size: 4 } } },
      footprints: { length, indices, startIndices: footprintStarts, attributes: { getPolygon: { value: footprintPositions, size: 2 }, getFillColor: { value: footprintColors, size: 4 } } },
      outlines: { length, startIndices: footprintStarts, attributes: { getPath: { value: footprintPositions, size: 2 }, getColor: { value: footprintColors, size: 4 } } },
    };
    views.set(table, v);
  }
  return v;
}

// Close up, the discs and footprints only get the detections around the view: every instance drawn costs
// vertex work on each frame, which a laptop without a GPU (or software WebGL) feels at 50,000 detections.
// The margin of one view on each side keeps a drag drawn until the map stops and the part is cut again.
const parts = new WeakMap<DetectionTable, { key: string; part: TablePart }>();

function around(table: DetectionTable, bounds: readonly number[] | null): DetectionTable | TablePart {
  if (!bounds) return table;
  const [w, s, e, n] = bounds as [number, number, number, number];
  const margin = [w - (e - w), s - (n - s), e + (e - w), n + (n - s)];
  const key = margin.join(',');
  const cached = parts.get(table);
  if (cached?.key === key) return cached.part;
  const part = tableWithin(table, margin);
  parts.set(table, { key, part });
  return part;
}

/** The full-table index of a picked disc or footprint. */
export function pickedDetection(info: PickingInfo): number {
  const indices = (info.layer?.props.data as { indices?: Uint32Array } | undefined)?.indices;
  return indices ? (indices[info.index] ?? -1) : info.index;
}

type HeatLayerImage = { image: ImageData; bounds: [number, number, number, number] } | null;
// keyed by the positions: a review makes a new table but shares its geometry, and the heat map stays
const heatImages = new WeakMap<Float64Array, HeatLayerImage>();

function heatLayerImage(table: DetectionTable): HeatLayerImage {
  if (!heatImages.has(table.positions)) {
    const heat = heatImage(table.positions, table.weights);
    heatImages.set(table.positions, heat && { image: new ImageData(heat.pixels as Uint8ClampedArray<ArrayBuffer>, heat.width, heat.height), bounds: heat.bounds });
  }
  return heatImages.get(table.positions)!;
}

/**
 * Detections as a heat map when zoomed out (or too many in view); as discs of their area coloured by status
 * when zoomed in; as their footprints close up. All from the table's typed arrays: 50,000 detections cost no
 * JavaScript per feature, per frame.
 */
export function dumpsLayers(table: DetectionTable, view: DumpsView): Layer[] {
  if (table.length === 0) return [];
  const layers: Layer[] = [];
  const drawing = dumpsDrawing(table, view);
  const data = drawing === 'heat' ? null : binaryViews(around(table, view.bounds));
  if (!data) {
    const heat = heatLayerImage(table);
    // smooth between density cells
    if (heat) layers.push(new BitmapLayer({ id: 'dumps-heat', image: heat.image, bounds: heat.bounds, textureParameters: { minFilter: 'linear', magFilter: 'linear' } }));
  } else if (drawing === 'discs') {
    layers.push(
      new ScatterplotLayer({
        id: 'dumps-points',
        data: data.points as never,
        pickable: true,
        radiusUnits: 'meters',
        // small dumps stay visible, large ones do not hide their neighbours
        radiusMinPixels: 4,
        radiusMaxPixels: 30,
        stroked: true,
        getLineColor: [255, 255, 255, 255],
        lineWidthMinPixels: 1,
      }),
    );
  } else {
    layers.push(
      new SolidPolygonLayer({ id: 'dumps-footprints', data: data.footprints as never, _normalize: false, pickable: true, opacity: 0.45 }),
      new PathLayer({ id: 'dumps-outlines', data: data.outlines as never, _pathType: 'open', getWidth: 2, widthUnits: 'pixels' }),
    );
  }
  if (view.selected >= 0 && view.selected < table.length) {
    const at = [table.positions[view.selected * 2]!, table.positions[view.selected * 2 + 1]!];
    layers.push(
      new ScatterplotLayer<number[]>({
        id: 'dumps-selected',
        data: [at],
        getPosition: (p) => p as [number, number],
        getRadius: 16,
        radiusUnits: 'pixels',
        filled: false,
        stroked: true,
        getLineColor: [26, 95, 180, 255],
        lineWidthUnits: 'pixels',
        getLineWidth: 3,
      }),
    );
  }
  return layers;
}
