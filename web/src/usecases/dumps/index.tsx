import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { UnavailablePanel } from '../UnavailablePanel';

export type DumpStatus = 'a_verifier' | 'confirme' | 'faux_positif' | 'signale' | 'resorbe';

/** A merged detection as the map needs it (dump_detection in the schema). */
export interface Detection {
  id: number;
  lon: number;
  lat: number;
  areaM2: number;
  score: number;
  status: DumpStatus;
}

export interface DumpsData {
  detections: Detection[];
}

export const STATUS_COLOURS: Record<DumpStatus, [number, number, number]> = {
  a_verifier: [230, 159, 0],
  confirme: [213, 94, 0],
  faux_positif: [120, 120, 120],
  signale: [204, 121, 167],
  resorbe: [0, 158, 115],
};

/** Below this zoom the detections read better as density than as dots. */
const HEATMAP_MAX_ZOOM = 13;

/** Detections as a heat map when zoomed out, as dots sized by area and coloured by status when zoomed in. */
export function dumpsLayers({ detections }: DumpsData, view: { zoom: number }): Layer[] {
  if (detections.length === 0) return [];
  if (view.zoom < HEATMAP_MAX_ZOOM) {
    return [new HeatmapLayer<Detection>({ id: 'dumps-heat', data: detections, getPosition: (d) => [d.lon, d.lat], getWeight: (d) => d.score, radiusPixels: 40 })];
  }
  return [
    new ScatterplotLayer<Detection>({
      id: 'dumps',
      data: detections,
      pickable: true,
      getPosition: (d) => [d.lon, d.lat],
      // a disc of the detection's area, at least 4 px so small dumps stay visible
      getRadius: (d) => Math.sqrt(d.areaM2 / Math.PI),
      radiusUnits: 'meters',
      radiusMinPixels: 4,
      getFillColor: (d) => [...STATUS_COLOURS[d.status], 200],
      stroked: true,
      getLineColor: [255, 255, 255, 255],
      lineWidthMinPixels: 1,
    }),
  ];
}

export function DumpsPanel() {
  return <UnavailablePanel title="dumps.title" message="dumps.unavailable" hint="dumps.unavailableHint" extra="dumps.shortcuts" />;
}
