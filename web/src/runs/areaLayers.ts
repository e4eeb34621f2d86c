import { PathLayer, PolygonLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { Position } from '@vigie/api/contract';

export interface DrawnArea {
  vertices: Position[];
  closed: boolean;
}

/** The area being drawn for a run: its outline while drawing, a filled polygon once closed, and its vertices. */
export function areaLayers({ vertices, closed }: DrawnArea): Layer[] {
  if (vertices.length === 0) return [];
  const layers: Layer[] = [];
  if (closed) {
    layers.push(
      new PolygonLayer<Position[]>({
        id: 'run-area',
        data: [vertices],
        getPolygon: (p) => p,
        getFillColor: [26, 95, 180, 60],
        getLineColor: [26, 95, 180, 255],
        getLineWidth: 3,
        lineWidthUnits: 'pixels',
      }),
    );
  } else {
    layers.push(
      new PathLayer<Position[]>({
        id: 'run-area-path',
        data: [vertices],
        getPath: (p) => p,
        getColor: [26, 95, 180, 255],
        getWidth: 3,
        widthUnits: 'pixels',
      }),
    );
  }
  layers.push(
    new ScatterplotLayer<Position>({
      id: 'run-area-vertices',
      data: vertices,
      getPosition: (p) => p,
      getRadius: 5,
      radiusUnits: 'pixels',
      getFillColor: [255, 255, 255, 255],
      getLineColor: [26, 95, 180, 255],
      stroked: true,
      lineWidthMinPixels: 2,
    }),
  );
  return layers;
}

/** GeoJSON Polygon of a closed area (first vertex repeated at the end, as the API requires). */
export function areaPolygon(vertices: Position[]): { type: 'Polygon'; coordinates: Position[][] } {
  return { type: 'Polygon', coordinates: [[...vertices, vertices[0]!]] };
}
