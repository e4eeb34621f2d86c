import { GeoJsonLayer, TextLayer } from '@deck.gl/layers';
import type { CommuneCollection, CommuneFeature } from '@vigie/api/contract';
import type { CommuneLabel } from './geometry';

export interface CommuneLayerInput {
  communes: CommuneCollection;
  labels: CommuneLabel[];
  /** communes picked for a run, drawn highlighted */
  selected: ReadonlySet<string>;
  /** with an orthophoto underneath, outlines get a light halo so they stay readable */
  overImagery: boolean;
}

const OUTLINE: [number, number, number] = [40, 52, 74];
const SELECTED_FILL: [number, number, number, number] = [26, 95, 180, 70];
const FILL: [number, number, number, number] = [255, 255, 255, 1];

/** Commune boundaries (pickable for the tooltip and for picking) and their names. */
export function communeLayers({ communes, labels, selected, overImagery }: CommuneLayerInput) {
  return [
    new GeoJsonLayer<CommuneFeature['properties']>({
      id: 'communes',
      data: communes as never,
      pickable: true,
      stroked: true,
      filled: true,
      getFillColor: (f) => (selected.has(f.properties.insee) ? SELECTED_FILL : FILL),
      getLineColor: overImagery ? [255, 255, 255, 230] : [...OUTLINE, 255],
      getLineWidth: 2,
      lineWidthUnits: 'pixels',
      autoHighlight: true,
      highlightColor: [26, 95, 180, 40],
      updateTriggers: { getFillColor: [...selected].join(','), getLineColor: overImagery },
    }),
    new TextLayer<CommuneLabel>({
      id: 'commune-labels',
      data: labels,
      getPosition: (l) => l.position,
      getText: (l) => l.name,
      getSize: 14,
      sizeUnits: 'pixels',
      getColor: [...OUTLINE, 255],
      fontFamily: 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
      fontWeight: 600,
      // French names carry accents and apostrophes: build the atlas from the data, not ASCII only
      characterSet: 'auto',
      fontSettings: { sdf: true },
      outlineWidth: 4,
      outlineColor: [255, 255, 255, 230],
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'center',
    }),
  ];
}
