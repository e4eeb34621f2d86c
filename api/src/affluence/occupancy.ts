/**
 * Occupancy levels and what the public may see of a count. Pure functions: the public page, the widget,
 * the open data and the operator views all read levels and rounding from here.
 */

import type { OccupancyLevel } from '../contract';

export type { OccupancyLevel };

export const OCCUPANCY_LEVELS: Record<OccupancyLevel, { label: string; colour: string; text: string }> = {
  calme: { label: 'Calme', colour: '#2e7d32', text: '#ffffff' },
  frequente: { label: 'Fréquenté', colour: '#f9a825', text: '#1a1a1a' },
  tres_frequente: { label: 'Très fréquenté', colour: '#c62828', text: '#ffffff' },
};

export interface Thresholds {
  /** counts up to calmMax are "calme" */
  calmMax: number;
  /** counts up to busyMax are "fréquenté", above "très fréquenté" */
  busyMax: number;
}

export function occupancyLevel(people: number, { calmMax, busyMax }: Thresholds): OccupancyLevel {
  if (people <= calmMax) return 'calme';
  if (people <= busyMax) return 'frequente';
  return 'tres_frequente';
}

/** Below this, a public count is shown as "< 5": a handful of people on a quiet square could be recognised. */
export const PUBLIC_COUNT_FLOOR = 5;

/** The count as published: null when below the floor (shown as "< 5"). */
export function publicCount(count: number | null): number | null {
  if (count === null) return null;
  const rounded = Math.round(count);
  return rounded < PUBLIC_COUNT_FLOOR ? null : rounded;
}

export function publicCountLabel(count: number | null): string {
  if (count === null) return '–';
  const shown = publicCount(count);
  return shown === null ? `< ${PUBLIC_COUNT_FLOOR}` : String(shown);
}

export type Trend = 'hausse' | 'baisse' | 'stable';

export const TREND_LABELS: Record<Trend, { label: string; arrow: string }> = {
  hausse: { label: 'en hausse', arrow: '↗' },
  baisse: { label: 'en baisse', arrow: '↘' },
  stable: { label: 'stable', arrow: '→' },
};

/**
 * Recent mean against the mean just before: ±15 % (and at least 2 people, so that 1 → 2 is not a surge)
 * is a change. Null when either side has no data: a gap is not a trend.
 */
export function trend(recent: number | null, before: number | null): Trend | null {
  if (recent === null || before === null) return null;
  const delta = recent - before;
  if (Math.abs(delta) < Math.max(2, 0.15 * before)) return 'stable';
  return delta > 0 ? 'hausse' : 'baisse';
}

/** A sensor with no count for this long is offline: it shows as a gap, never as zero. */
export function offlineAfterSeconds(intervalS: number): number {
  return Math.max(3 * intervalS, 120);
}
