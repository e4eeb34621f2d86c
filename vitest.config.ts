import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/src/**/*.test.ts'],
    // Integration suites start real PostgreSQL servers and ONNX sessions: two cores, so keep files serial.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
