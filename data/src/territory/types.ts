/**
 * Scene model of the demo territory. Coordinates are local metres: `u` east
 * from the west edge, `v` south from the north edge (the raster's axes), so a
 * pixel is (u, v) / gsd. Lambert-93 is X = minX + u, Y = maxY - v.
 */
export type Point = [number, number];

export type RoadKind = 'departementale' | 'rue' | 'chemin';

export interface Road {
  kind: RoadKind;
  /** u, v pairs */
  path: Point[];
  width: number;
}

export type RoofKind = 'tuile' | 'ardoise' | 'tuile-neuve' | 'bac-acier' | 'toit-plat' | 'colore';

export interface Building {
  kind: 'building';
  center: Point;
  /** along the ridge */
  length: number;
  width: number;
  angle: number;
  eaveHeight: number;
  /** roof pitch in radians; 0 for flat roofs */
  pitch: number;
  hip: boolean;
  roof: RoofKind;
  /** roof colour variation seed */
  tint: number;
}

export type AreaMaterial =
  | 'jardin'
  | 'pelouse'
  | 'prairie'
  | 'asphalte'
  | 'beton'
  | 'gravier'
  | 'terre'
  | 'chantier'
  | 'eau'
  | 'piscine'
  | 'terrasse'
  | 'friche';

export interface Area {
  kind: 'area';
  ring: Point[];
  material: AreaMaterial;
  cls: number;
  /** painter's order within areas */
  z: number;
}

/** A small box-like object: cars, skips, sheds, bales, tarpaulins, dump items. */
export interface Prop {
  kind: 'prop';
  center: Point;
  length: number;
  width: number;
  angle: number;
  height: number;
  color: [number, number, number];
  shape: 'box' | 'car' | 'cylinder' | 'round' | 'mound' | 'ring' | 'sheet';
  /** leaves the land-cover class as it is (dump items, cars, bales) */
  keepClass: boolean;
  cls?: number;
}

export interface Tree {
  kind: 'tree';
  center: Point;
  radius: number;
  height: number;
  conifer: boolean;
  /** land-cover class: feuillus, coniferes or broussailles */
  cls: number;
  tint: number;
}

export type DumpKind = 'gravats' | 'dechets-verts' | 'encombrants' | 'pneus' | 'sacs' | 'mixte';

export interface Dump {
  id: string;
  kind: DumpKind;
  center: Point;
  diameterM: number;
  footprint: Point[];
  /** present in vintage i */
  present: boolean[];
  seed: number;
}

export type HardNegativeKind = 'voiture' | 'balles-foin' | 'benne' | 'abri-jardin' | 'bache' | 'toit-colore';

export interface HardNegative {
  kind: HardNegativeKind;
  center: Point;
  footprint: Point[];
}

export interface CommuneCell {
  insee: string;
  name: string;
  ring: Point[];
}

export interface Village {
  center: Point;
  radius: number;
  main: boolean;
}

export interface Clearing {
  center: Point;
  radius: number;
}

/** Everything drawn for one vintage. */
export interface VintageScene {
  year: number;
  index: number;
  sizeM: number;
  seed: number;
  /** 0 = early summer (green crops) … 1 = late summer (harvested) */
  season: number;
  sun: { azimuthOffset: number; elevation: number };
  roads: Road[];
  areas: Area[];
  buildings: Building[];
  props: Prop[];
  trees: Tree[];
  dumps: Dump[];
  hardNegatives: HardNegative[];
  /** zones kept free of forest */
  clearings: Clearing[];
  villages: Village[];
  water: { path: Point[]; width: number }[];
  fieldSites: FieldSite[];
  forestThreshold: number;
  forestOffset: Point;
}

/** A patch of the field pattern: parcels are strips in a frame rotated by `angle`. */
export interface FieldSite {
  center: Point;
  angle: number;
  columnWidth: number;
  cos?: number;
  sin?: number;
}
