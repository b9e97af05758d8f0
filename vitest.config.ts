import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // Query files and the installed-loader script are imported as text, as the bundler does for the CLI.
      name: 'scm-as-text',
      transform(code, id) {
        return id.endsWith('.scm') || id.endsWith('.rb') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
      },
    },
  ],
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    include: ['test/**/*.test.ts', 'grammars/**/*.test.ts'],
    globalSetup: ['./test/support/sandbox.ts'],
    setupFiles: ['./test/support/fileSandbox.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
