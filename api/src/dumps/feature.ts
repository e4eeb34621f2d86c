import type { Detection } from './queries';
import { CHANGE_LABELS, STATUS_LABELS } from './status';

export const thumbnailPath = (id: number) => `/api/dumps/detections/${id}/thumbnail.jpg`;

/** A detection as a GeoJSON Feature (footprint polygon, WGS84); `origin` makes the thumbnail URL absolute. */
export function detectionFeature(d: Detection, origin = '') {
  return {
    type: 'Feature' as const,
    id: d.id,
    geometry: d.footprint,
    properties: {
      id: d.id,
      status: d.status,
      statusLabel: STATUS_LABELS[d.status],
      change: d.change,
      changeLabel: CHANGE_LABELS[d.change],
      score: round(d.score, 4),
      areaM2: round(d.areaM2, 1),
      communeInsee: d.communeInsee,
      communeName: d.communeName,
      vintage: d.vintageYear,
      firstSeenVintage: d.firstSeenYear,
      lon: round(d.lon, 7),
      lat: round(d.lat, 7),
      xL93: round(d.xL93, 2),
      yL93: round(d.yL93, 2),
      assignee: d.assigneeId === null ? null : { id: d.assigneeId, name: d.assigneeName },
      thumbnailUrl: d.hasThumbnail ? origin + thumbnailPath(d.id) : null,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    },
  };
}

export type DetectionFeature = ReturnType<typeof detectionFeature>;

export function featureCollection(detections: Detection[], origin = '') {
  return { type: 'FeatureCollection' as const, features: detections.map((d) => detectionFeature(d, origin)) };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
