export { DumpsPanel } from './DumpsPanel';
export { dumpsDrawing } from './drawing';
export { dumpsLayers, DUMPS_PICKABLE, pickedDetection } from './layers';
export { STATUS_COLOURS, type DetectionTable } from './table';
export { useDumps, type DumpsState } from './useDumps';
