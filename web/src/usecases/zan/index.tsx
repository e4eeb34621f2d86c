import { GeoJsonLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { CommuneCollection, CommuneFeature } from '../../api/types';
import { UnavailablePanel } from '../UnavailablePanel';

export interface ZanData {
  communes: CommuneCollection;
  /** net artificialisation per commune INSEE, m² (artificialisation − renaturation) between two vintages */
  netArtificialisedM2: ReadonlyMap<string, number>;
}

/** Diverging palette: renaturation green, artificialisation red, scaled to ±maxAbs. */
export function netColour(net: number, maxAbs: number): [number, number, number, number] {
  const k = maxAbs > 0 ? Math.min(1, Math.abs(net) / maxAbs) : 0;
  return net >= 0 ? [200, 40, 40, Math.round(40 + 160 * k)] : [30, 140, 70, Math.round(40 + 160 * k)];
}

/** A commune choropleth of net artificialisation. */
export function zanLayers({ communes, netArtificialisedM2 }: ZanData): Layer[] {
  if (netArtificialisedM2.size === 0) return [];
  const maxAbs = Math.max(...[...netArtificialisedM2.values()].map(Math.abs));
  return [
    new GeoJsonLayer<CommuneFeature['properties']>({
      id: 'zan-choropleth',
      data: communes as never,
      filled: true,
      stroked: false,
      getFillColor: (f) => netColour(netArtificialisedM2.get(f.properties.insee) ?? 0, maxAbs),
    }),
  ];
}

export function ZanPanel() {
  return <UnavailablePanel title="zan.title" message="zan.unavailable" hint="zan.unavailableHint" />;
}
