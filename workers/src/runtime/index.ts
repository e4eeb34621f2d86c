/** Vigie's inference runtime: model cards drive preprocessing, sessions, decoding and chip merging. */
export * from './card';
export * from './raster';
export * from './preprocess';
export * from './pixel-graph';
export * from './session-pool';
export * from './bare-session';
export * from './detection';
export * from './nms';
export * from './decoders/yolov8';
export * from './decoders/yolox';
export * from './decoders/segmentation-logits';
export * from './decoders/density-map';
export * from './inspect';
export * from './merge';
export * from './flips';
export * from './model';
export * from './bench';
