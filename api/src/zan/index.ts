/** ZAN: nomenclature, the class raster store, trajectory arithmetic, queries and the three-yearly report. */
export * from './nomenclature';
export * from './class-raster';
export * from './trajectory';
export * from './queries';
export * from './csv';
export * from './report';
export * from './report-map';
