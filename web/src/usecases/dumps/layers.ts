import type { Layer } from '@deck.gl/core';
import { BitmapLayer, PathLayer, ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers';
import { heatImage } from './heat';
import type { DetectionTable } from './table';

/** Below this zoom the detections read better as density than as dots. */
export const HEATMAP_MAX_ZOOM = 13;
/** From this zoom on, each detection is drawn as its footprint. */
export const FOOTPRINT_MIN_ZOOM = 16;

export interface DumpsView {
  zoom: number;
  /** index in the table of the detection under review, or -1 */
  selected: number;
}

/** Layer ids, for picking (App reads the index of the picked detection). */
export const DUMPS_PICKABLE = new Set(['dumps-points', 'dumps-footprints']);

interface BinaryViews {
  points: object;
  /** the heat map as one image (null: nothing to draw) */
  heat: { image: ImageData; bounds: [number, number, number, number] } | null;
  footprints: object;
  outlines: object;
}

// deck.gl compares `data` by reference: one set of binary views per table, made once
const views = new WeakMap<DetectionTable, BinaryViews>();

function binaryViews(table: DetectionTable): BinaryViews {
  let v = views.get(table);
  if (!v) {
    const { length, positions, radii, weights, colors, footprintStarts, footprintPositions, footprintColors } = table;
    v = {
      points: { length, attributes: { getPosition: { value: positions, size: 2 }, getRadius: { value: radii, size: 1 }, getFillColor: { value: colors, size: 4 } } },
      heat: heatLayerImage(positions, weights),
      footprints: { length, startIndices: footprintStarts, attributes: { getPolygon: { value: footprintPositions, size: 2 }, getFillColor: { value: footprintColors, size: 4 } } },
      outlines: { length, startIndices: footprintStarts, attributes: { getPath: { value: footprintPositions, size: 2 }, getColor: { value: footprintColors, size: 4 } } },
    };
    views.set(table, v);
  }
  return v;
}

function heatLayerImage(positions: Float64Array, weights: Float32Array): BinaryViews['heat'] {
  const heat = heatImage(positions, weights);
  return heat && { image: new ImageData(heat.pixels as Uint8ClampedArray<ArrayBuffer>, heat.width, heat.height), bounds: heat.bounds };
}

/**
 * Detections as a heat map when zoomed out; as discs of their area coloured by status when zoomed in; as
 * their footprints close up. All from the table's typed arrays: 50,000 detections cost no JavaScript per
 * feature, per frame.
 */
export function dumpsLayers(table: DetectionTable, view: DumpsView): Layer[] {
  if (table.length === 0) return [];
  const data = binaryViews(table);
  const layers: Layer[] = [];
  if (view.zoom < HEATMAP_MAX_ZOOM) {
    if (data.heat) {
      // smooth between density cells
      layers.push(new BitmapLayer({ id: 'dumps-heat', image: data.heat.image, bounds: data.heat.bounds, textureParameters: { minFilter: 'linear', magFilter: 'linear' } }));
    }
  } else if (view.zoom < FOOTPRINT_MIN_ZOOM) {
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
