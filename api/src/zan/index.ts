/** ZAN: nomenclature, the class raster store, trajectory arithmetic, queries and the three-yearly report. */
export * from './nomenclature';
export * from './class-raster';
export * from './trajectory';
