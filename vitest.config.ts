import { configDefaults, defineConfig } from 'vitest/config';

const ITG = '**/*.itg.test.ts';

// Integration tests run real registries, builders and the CLI as processes: on a loaded machine
// (2 cores, other jobs) they take several times longer. Their timeout is generous so load slows
// them instead of failing them; it costs nothing when they pass. A CLI run times out first
// (test/support/cli.ts, 150 s), so a hung command is reported with its output. Workers stay at
// vitest's default (cores - 1): more would only add load to the machine the tests wait on.
const ITG_TIMEOUT_MS = 300_000;
const UNIT_TIMEOUT_MS = 60_000;

export default defineConfig({
  test: {
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
      // STYLE.md: the value types every other layer trusts are tested to the branch.
      thresholds: { 'src/oci/**': { branches: 95 } },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ITG],
          testTimeout: UNIT_TIMEOUT_MS,
          hookTimeout: UNIT_TIMEOUT_MS,
        },
      },
      {
        extends: true,
        test: { name: 'itg', include: [`test/${ITG}`], testTimeout: ITG_TIMEOUT_MS, hookTimeout: ITG_TIMEOUT_MS },
      },
    ],
  },
});
