import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Conformance tests need Orb's OpenAPI spec from outside the repo: `npm run test:conformance`.
    exclude: [...configDefaults.exclude, 'test/**/*.conformance.test.ts'],
    // DuckDB's native addon and pg sockets are happiest in child processes.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
