// Loaded before every test file (vitest.config.ts `setupFiles`): no command started with
// test/support/run.ts (the gantry CLI) outlives its test.
import { afterAll, afterEach } from 'vitest';
import { killRunning } from './run.js';

// A test that failed or timed out may leave a run going. The tests of a `describe.concurrent`
// share the process, so there runs are killed when the file ends (or by their own timeout).
afterEach(({ task }) => {
  if (!task.concurrent) killRunning();
});
afterAll(killRunning);
