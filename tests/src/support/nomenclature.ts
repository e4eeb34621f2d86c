import type { Nomenclature } from '@vigie/api/zan';

// four classes, like the shipped table: built (1°), sealed (2°), garden (4°), field (7°)
export const BUILT = 0, ROAD = 1, GARDEN = 2, FIELD = 3;
export const nomenclature: Nomenclature = {
  builtMinM2: 50,
  sealedMinM2: 2500,
  regionGapM: 0,
  classes: [
    { id: BUILT, key: 'bati', label: 'Bâti', ocsge: 'CS1.1.1.1', color: '#e6194b', category: 1, artificialised: true, sealed: true },
    { id: ROAD, key: 'impermeable', label: 'Imperméable', ocsge: 'CS1.1.1.2', color: '#8c8c8c', category: 2, artificialised: true, sealed: true },
    { id: GARDEN, key: 'jardin', label: 'Jardin', ocsge: 'CS2.2.1', color: '#f4a6c0', category: 4, artificialised: true, sealed: false },
    { id: FIELD, key: 'cultures', label: 'Cultures', ocsge: 'CS2.2.1', color: '#ffe119', category: 7, artificialised: false, sealed: false },
  ],
};
