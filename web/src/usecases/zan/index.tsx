export { ZanPanel } from './ZanPanel';
export { zanLayers } from './layers';
export { useZan, type ZanState } from './useZan';
