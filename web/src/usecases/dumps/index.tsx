export { DumpsPanel } from './DumpsPanel';
export { dumpsLayers, DUMPS_PICKABLE } from './layers';
export { STATUS_COLOURS, type DetectionTable } from './table';
export { useDumps, type DumpsState } from './useDumps';
