import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { UnavailablePanel } from '../UnavailablePanel';

export type OccupancyLevel = 'calme' | 'frequente' | 'tres_frequente';

export interface SensorReading {
  id: number;
  name: string;
  lon: number;
  lat: number;
  /** people counted in the latest interval */
  people: number;
  level: OccupancyLevel;
}

export const LEVEL_COLOURS: Record<OccupancyLevel, [number, number, number]> = {
  calme: [0, 158, 115],
  frequente: [230, 159, 0],
  tres_frequente: [213, 94, 0],
};

/** Sensors sized by their latest count and coloured by occupancy level. */
export function affluenceLayers({ sensors }: { sensors: SensorReading[] }): Layer[] {
  if (sensors.length === 0) return [];
  return [
    new ScatterplotLayer<SensorReading>({
      id: 'sensors',
      data: sensors,
      pickable: true,
      getPosition: (s) => [s.lon, s.lat],
      getRadius: (s) => 6 + Math.sqrt(s.people) * 2,
      radiusUnits: 'pixels',
      getFillColor: (s) => [...LEVEL_COLOURS[s.level], 220],
      stroked: true,
      getLineColor: [255, 255, 255, 255],
      lineWidthMinPixels: 2,
    }),
  ];
}

export function AffluencePanel() {
  return <UnavailablePanel title="affluence.title" message="affluence.unavailable" hint="affluence.unavailableHint" />;
}
