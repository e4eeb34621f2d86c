import type { StyleSpecification } from 'maplibre-gl';

/** Land colour of the offline base map: the orthophoto and Vigie's own layers go on top. */
export const LAND_COLOUR = '#eef0e6';

/**
 * The offline default: a plain land background and nothing fetched from elsewhere (no tiles, no glyphs, no
 * sprites). Commune boundaries and labels come from Vigie's own data as deck.gl layers.
 */
export function offlineStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'Vigie hors ligne',
    sources: {},
    layers: [{ id: 'land', type: 'background', paint: { 'background-color': LAND_COLOUR } }],
  };
}

const BASEMAP_KEY = 'vigie.basemapStyleUrl';

/** A base-map style URL for online deployments (e.g. Plan IGN): a per-browser setting, else VITE_BASEMAP_STYLE_URL. */
export function configuredBasemapUrl(): string | null {
  const stored = window.localStorage.getItem(BASEMAP_KEY);
  if (stored !== null) return stored.trim() || null;
  const built = import.meta.env.VITE_BASEMAP_STYLE_URL as string | undefined;
  return built?.trim() || null;
}

export function saveBasemapUrl(url: string | null): void {
  window.localStorage.setItem(BASEMAP_KEY, url?.trim() ?? '');
}

export function isValidStyleUrl(url: string): boolean {
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}
