export * from './guard';
export * from './passwords';
export * from './sessions';
export * from './users';
