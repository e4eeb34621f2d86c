import type { Layer } from '@deck.gl/core';
import { TileLayer, type TileLayerProps } from '@deck.gl/geo-layers';
import { BitmapLayer, GeoJsonLayer } from '@deck.gl/layers';
import { type CommuneCollection, type CommuneFeature, LANDCOVER_MAX_ZOOM, LANDCOVER_MIN_ZOOM, type LandChangeCollection, type LandChangeFeature } from '@vigie/api/contract';
import type { LonLatBounds } from '../../map/geometry';
import type { ZanBackground } from './useZan';

type RGBA = [number, number, number, number];

export const ARTIFICIALISATION: RGBA = [200, 35, 35, 255];
export const RENATURATION: RGBA = [25, 135, 60, 255];
/** outline of a commune the orthophoto covers only in part: its figures are for the covered part */
export const PARTIAL: RGBA = [230, 140, 0, 255];

export interface ZanLayerData {
  communes: CommuneCollection;
  bounds: LonLatBounds | null;
  /** net artificialisation of each commune between the first and last vintage, m² */
  netM2: ReadonlyMap<string, number>;
  /** share of the commune analysed, %, for the communes covered only in part */
  partialPct: ReadonlyMap<string, number>;
  changes: LandChangeCollection | null;
  /** the vintage whose land-cover tiles are drawn, or null */
  landcoverYear: number | null;
}

export interface ZanView {
  background: ZanBackground;
  opacity: number;
  showChanges: boolean;
  selected: string | null;
}

/** Diverging colour of a net change: red when land was artificialised, green when renatured. */
export function netColour(netM2: number | undefined, maxAbsM2: number): RGBA {
  if (netM2 === undefined || maxAbsM2 <= 0) return [200, 200, 200, 60];
  const t = Math.min(1, Math.abs(netM2) / maxAbsM2);
  const [r, g, b] = netM2 >= 0 ? ARTIFICIALISATION : RENATURATION;
  // from near white to the full colour
  const mix = (c: number) => Math.round(245 + (c - 245) * (0.15 + 0.85 * t));
  return [mix(r), mix(g), mix(b), 200];
}

/** Tiles outside the analysed area answer 404: no tile, not an error. */
const fetchTile: NonNullable<TileLayerProps<ImageBitmap | null>['getTileData']> = async ({ url, signal }) => {
  if (!url) return null;
  const res = await fetch(url, { signal, credentials: 'same-origin' });
  if (!res.ok) return null;
  return createImageBitmap(await res.blob());
};

/** Land-cover raster, commune choropleth of net artificialisation, change polygons, selected commune. */
export function zanLayers(data: ZanLayerData, view: ZanView): Layer[] {
  const layers: Layer[] = [];
  if (view.background === 'choropleth') {
    const maxAbs = Math.max(0, ...[...data.netM2.values()].map(Math.abs));
    layers.push(
      new GeoJsonLayer<CommuneFeature['properties']>({
        id: 'zan-choropleth',
        data: data.communes as never,
        pickable: true,
        filled: true,
        stroked: true,
        getFillColor: (f) => netColour(data.netM2.get(f.properties.insee), maxAbs),
        getLineColor: (f) => (data.partialPct.has(f.properties.insee) ? PARTIAL : [0, 0, 0, 0]),
        getLineWidth: 3,
        lineWidthUnits: 'pixels',
        updateTriggers: { getFillColor: [...data.netM2.entries()].join(';'), getLineColor: [...data.partialPct.keys()].join(';') },
      }),
    );
  } else if (data.landcoverYear !== null) {
    const year = data.landcoverYear;
    layers.push(
      new TileLayer<ImageBitmap | null>({
        id: `zan-landcover-${year}`,
        data: `/api/zan/tiles/${year}/{z}/{x}/{y}.png`,
        minZoom: LANDCOVER_MIN_ZOOM,
        maxZoom: LANDCOVER_MAX_ZOOM,
        tileSize: 256,
        ...(data.bounds ? { extent: data.bounds } : {}),
        opacity: view.opacity,
        getTileData: fetchTile,
        renderSubLayers: (props) => {
          if (!props.data) return null;
          const [min, max] = props.tile.boundingBox;
          return new BitmapLayer({ id: props.id, image: props.data, bounds: [min[0]!, min[1]!, max[0]!, max[1]!], opacity: props.opacity });
        },
      }),
    );
  }
  if (view.showChanges && data.changes && data.changes.features.length > 0) {
    layers.push(
      new GeoJsonLayer<LandChangeFeature['properties']>({
        id: 'zan-changes',
        data: data.changes as never,
        pickable: true,
        filled: true,
        stroked: true,
        getFillColor: (f) => [...(f.properties.kind === 'artificialisation' ? ARTIFICIALISATION : RENATURATION).slice(0, 3), 110] as RGBA,
        getLineColor: (f) => (f.properties.kind === 'artificialisation' ? ARTIFICIALISATION : RENATURATION),
        getLineWidth: 2,
        lineWidthUnits: 'pixels',
      }),
    );
  }
  if (view.selected) {
    const feature = data.communes.features.find((f) => f.properties.insee === view.selected);
    if (feature) {
      layers.push(
        new GeoJsonLayer({ id: 'zan-selected', data: [feature] as never, filled: false, stroked: true, getLineColor: [26, 95, 180, 255], getLineWidth: 4, lineWidthUnits: 'pixels' }),
      );
    }
  }
  return layers;
}
