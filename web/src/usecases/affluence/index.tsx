export { AffluencePanel } from './AffluencePanel';
export { affluenceLayers } from './layers';
export { useAffluence, type AffluenceState } from './useAffluence';
