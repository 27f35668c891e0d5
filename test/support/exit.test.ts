import { afterEach, describe, expect, it } from 'vitest';
import { trackServerLog } from '../harness/server-logs.js';
import type { CliResult } from './cli.js';
import { expectExit, explainExit } from './exit.js';

const lines = (prefix: string, n: number): string => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n');

const failed: CliResult = {
  args: ['publish', '--records', '/tmp/records dir'],
  argv: ['/usr/bin/node', '--import', 'tsx', 'main.ts', 'publish', '--records', '/tmp/records dir'],
  cwd: '/tmp/origin',
  env: { DOCKER_CONFIG: '/tmp/docker' },
  code: 1,
  signal: null,
  timedOut: false,
  ms: 2_500,
  stdout: '',
  stderr: `${lines('progress', 49)}\ngantry: error: push refused\n`,
};

describe('expectExit', () => {
  let untrack: (() => void) | undefined;
  afterEach(() => untrack?.());

  it('passes on the expected code', () => {
    expectExit({ ...failed, code: 2 }, 2);
  });

  it('fails with the command, how it ended, the tails of its output and of every running registry log', () => {
    const log = `${lines('access', 100)}\n${'x'.repeat(400)}`;
    untrack = trackServerLog({ name: 'registry 127.0.0.1:5999 (auth token)', tail: (n = 30) => log.split('\n').slice(-n).join('\n') });
    expect(() => expectExit(failed, 0)).toThrow(explainExit(failed, 0));
    const text = explainExit(failed, 0);
    expect(text).toContain('gantry exited 1 after 2.5 s; expected exit 0');
    expect(text).toContain("cd /tmp/origin && DOCKER_CONFIG=/tmp/docker gantry publish --records '/tmp/records dir'");
    expect(text).toContain("(argv: /usr/bin/node --import tsx main.ts publish --records '/tmp/records dir')");
    expect(text).toContain('stderr (last 40 of 50 lines):\n  | progress 11\n');
    expect(text).not.toContain('progress 10\n');
    expect(text).toContain('  | gantry: error: push refused\nstdout: (empty)');
    expect(text).toContain('registry 127.0.0.1:5999 (auth token) log:\n  | access 72\n');
    expect(text).toMatch(/ {2}\| access 100\n {2}\| x{300}…$/);
  });

  it('fails on a run that timed out, even when no code was expected to match', () => {
    expect(() => expectExit({ ...failed, code: -1, signal: 'SIGKILL', timedOut: true }, -1)).toThrow(
      /gantry timed out and was killed after 2\.5 s/,
    );
  });
});
