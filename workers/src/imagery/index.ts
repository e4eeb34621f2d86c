export * from './geotiff-source';
export * from './register';
