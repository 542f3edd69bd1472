import { configDefaults, defineConfig } from 'vitest/config';
import { exitUnlessSpecReadable } from './test/simulator/openapi-spec.js';
import defaultConfig from './vitest.config.js';

// Checked before vitest starts, so a missing spec is one line and a failed run, never a skip.
exitUnlessSpecReadable();

export default defineConfig({
  test: { ...defaultConfig.test, include: ['test/**/*.conformance.test.ts'], exclude: configDefaults.exclude },
});
