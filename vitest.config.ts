import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    // Node 20's DecompressionStream can throw uncaught after an error or a cancel; see the file.
    setupFiles: ['tests/unit/setup/node-streams.ts'],
    testTimeout: 120_000,
    // No retries: a flaky test is a bug to find. (The BEIR gzip test that once read an empty corpus
    // under load was Node's fetch cancelling the body of a garbage-collected Response; fixed in
    // src/core/beir.ts and tested deterministically in tests/unit/beir.test.ts.)
    retry: 0,
  },
});
