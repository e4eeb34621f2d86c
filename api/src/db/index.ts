export * from './schema';
export * from './connect';
export * from './migrate';
