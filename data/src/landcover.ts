import classTable from '../landcover-classes.json';

/**
 * One land-cover class. The JSON file next to package.json is the single source:
 * the Python training recipes read it too.
 */
export interface LandcoverClass {
  id: number;
  key: LandcoverKey;
  label: string;
  labelEn: string;
  /** OCS GE couverture code */
  ocsge: string;
  color: string;
  /** default category of the décret 2023-1096 nomenclature (art. R101-1 code de l'urbanisme) */
  category: number;
  artificialised: boolean;
  sealed: boolean;
}

export type LandcoverKey =
  | 'bati'
  | 'impermeable'
  | 'permeable_artificialise'
  | 'chantier'
  | 'sol_nu'
  | 'eau'
  | 'coniferes'
  | 'feuillus'
  | 'broussailles'
  | 'prairies'
  | 'cultures'
  | 'piscine';

export const LANDCOVER_CLASSES: readonly LandcoverClass[] = classTable as LandcoverClass[];

/** Class ids by key, for readable scene code: `LC.bati`. */
export const LC = Object.fromEntries(LANDCOVER_CLASSES.map((c) => [c.key, c.id])) as Record<LandcoverKey, number>;

export function landcoverColor(id: number): [number, number, number] {
  const hex = LANDCOVER_CLASSES[id]?.color ?? '#000000';
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}
