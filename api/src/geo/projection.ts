import proj4 from 'proj4';

/** Lambert-93, the projected CRS of metropolitan France (IGN). Areas are computed here, never in degrees. */
export const LAMBERT93 = 'EPSG:2154';
export const WGS84 = 'EPSG:4326';
export const WEB_MERCATOR = 'EPSG:3857';

proj4.defs(
  LAMBERT93,
  '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
);

export type Position = [number, number];

const l93ToWgs84 = proj4(LAMBERT93, WGS84);
const wgs84ToWebMercator = proj4(WGS84, WEB_MERCATOR);

/** Lambert-93 metres -> WGS84 [lon, lat]. */
export function toWgs84(point: Position): Position {
  const [lon, lat] = l93ToWgs84.forward(point);
  return [lon, lat];
}

/** WGS84 [lon, lat] -> Lambert-93 metres. */
export function toLambert93(point: Position): Position {
  const [x, y] = l93ToWgs84.inverse(point);
  return [x, y];
}

export function toWebMercator(point: Position): Position {
  const [x, y] = wgs84ToWebMercator.forward(point);
  return [x, y];
}

/** CRS codes Vigie reads imagery in; anything else is refused at import. */
export const SUPPORTED_IMAGERY_CRS = [2154, 3857] as const;
export type ImageryCrs = (typeof SUPPORTED_IMAGERY_CRS)[number];

export function isSupportedCrs(epsg: number): epsg is ImageryCrs {
  return (SUPPORTED_IMAGERY_CRS as readonly number[]).includes(epsg);
}

/** A reusable point transformer between two CRS codes known to Vigie. */
export function projector(from: string, to: string): (point: Position) => Position {
  const converter = proj4(from, to);
  return (point) => {
    const [x, y] = converter.forward(point);
    return [x, y];
  };
}
