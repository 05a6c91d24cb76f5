import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and end-to-end tests that drive built bundles
// against moto and the GitHub API fake. `pnpm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.test.ts', 'actions/*/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own moto and GitHub fake; two cores, so keep the fan-out modest.
          maxWorkers: 2,
          // GitHub's workflow parser imports its JSON schema without an import attribute, which Node refuses;
          // transformed by vite it loads.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
    ],
  },
});
