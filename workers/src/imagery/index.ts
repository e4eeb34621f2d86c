export * from './geotiff-source';
export * from './register';
export * from './bands';
