import { defineConfig } from 'vitest/config';
import { closingLineReporter } from './tests/support/closing-line.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    reporters: ['default', closingLineReporter()],
  },
});
