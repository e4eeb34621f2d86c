export * from './guard';
export * from './passwords';
export * from './sessions';
export * from './users';
export * from './login';
export * from './rate-limit';
export * from './scope';
