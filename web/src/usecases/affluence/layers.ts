import type { Layer } from '@deck.gl/core';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { OccupancyLevel, Position, SensorStatus } from '@vigie/api/contract';

type RGB = [number, number, number];

export const LEVEL_COLOURS: Record<OccupancyLevel, RGB> = {
  calme: [25, 135, 60],
  frequente: [230, 159, 0],
  tres_frequente: [200, 35, 35],
};
/** no recent count: the camera is offline */
export const OFFLINE: RGB = [140, 146, 158];

/** Disc radius in pixels: its area grows with the count, bounded so a crowd does not hide the map. */
export const sensorRadius = (people: number | null) => Math.min(40, 7 + 3 * Math.sqrt(Math.max(0, people ?? 0)));

const colourOf = (s: SensorStatus): RGB => (s.online && s.latest ? LEVEL_COLOURS[s.latest.level] : OFFLINE);

export interface AffluenceView {
  selected: number | null;
  /** where a new sensor will be placed */
  draft: Position | null;
}

/** Sensors sized by their latest count and coloured by level, their counts, the one selected and a draft. */
export function affluenceLayers(sensors: readonly SensorStatus[], view: AffluenceView): Layer[] {
  const layers: Layer[] = [];
  if (sensors.length > 0) {
    const key = sensors.map((s) => `${s.id}:${s.latest?.people ?? ''}:${s.online}`).join(',');
    layers.push(
      new ScatterplotLayer<SensorStatus>({
        id: 'affluence-sensors',
        data: sensors,
        pickable: true,
        getPosition: (s) => [s.lon, s.lat],
        getRadius: (s) => sensorRadius(s.online ? (s.latest?.people ?? null) : null),
        radiusUnits: 'pixels',
        getFillColor: (s) => [...colourOf(s), 220],
        stroked: true,
        getLineColor: (s) => (s.id === view.selected ? [26, 95, 180, 255] : [255, 255, 255, 255]),
        getLineWidth: (s) => (s.id === view.selected ? 4 : 2),
        lineWidthUnits: 'pixels',
        updateTriggers: { getRadius: key, getFillColor: key, getLineColor: view.selected, getLineWidth: view.selected },
      }),
      new TextLayer<SensorStatus>({
        id: 'affluence-counts',
        data: sensors.filter((s) => s.online && s.latest),
        getPosition: (s) => [s.lon, s.lat],
        getText: (s) => String(s.latest!.people),
        getSize: 13,
        getColor: [255, 255, 255, 255],
        fontWeight: 700,
        fontFamily: 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
        outlineWidth: 2,
        outlineColor: [29, 36, 51, 200],
        fontSettings: { sdf: true },
        updateTriggers: { getText: key },
      }),
    );
  }
  if (view.draft) {
    layers.push(
      new ScatterplotLayer<Position>({
        id: 'affluence-draft',
        data: [view.draft],
        getPosition: (p) => p,
        getRadius: 9,
        radiusUnits: 'pixels',
        getFillColor: [26, 95, 180, 120],
        stroked: true,
        getLineColor: [26, 95, 180, 255],
        getLineWidth: 2,
        lineWidthUnits: 'pixels',
      }),
    );
  }
  return layers;
}
