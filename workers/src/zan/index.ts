/** ZAN raster passes: nomenclature thresholds, commune areas, change between vintages, tiles. */
export * from './regions';
export * from './nomenclature';
export * from './rasterise';
export * from './vectorise';
export * from './aggregate';
export * from './tiles';
export * from './class-merge';
