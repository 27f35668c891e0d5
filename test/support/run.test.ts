import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from './images.js';
import { killRunning, runInGroup } from './run.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Whether `pid` has exited (gone, or a zombie nobody reaped yet), waiting up to 2 s. */
async function exited(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined || /^\d+ \(.*\) Z /.test(stat)) return true;
    await sleep(20);
  }
  return false;
}

/** `sh -c SCRIPT` that starts `sleep 60` in the background and writes its pid to a file. */
async function withBackgroundSleep(script: string): Promise<{ argv: [string, ...string[]]; pid: () => Promise<number> }> {
  const file = join(await tempDir(), 'pid');
  return {
    argv: ['sh', '-c', `sleep 60 & echo $! > "$1"; ${script}`, 'sh', file],
    pid: async () => {
      for (;;) {
        const text = await readFile(file, 'utf8').catch(() => '');
        if (text.endsWith('\n')) return Number(text);
        await sleep(10);
      }
    },
  };
}

describe('runInGroup', () => {
  it('returns the exit code and both outputs, and feeds stdin', async () => {
    const r = await runInGroup(['sh', '-c', 'cat; echo oops >&2; exit 3'], { cwd: '/', env, stdin: 'hello', timeoutMs: 30_000 });
    expect(r).toMatchObject({
      argv: ['sh', '-c', 'cat; echo oops >&2; exit 3'],
      cwd: '/',
      code: 3,
      signal: null,
      timedOut: false,
      stdout: 'hello',
      stderr: 'oops\n',
    });
  });

  it('kills a run past its timeout with everything it started, and says so', async () => {
    const bg = await withBackgroundSleep('wait');
    const r = await runInGroup(bg.argv, { cwd: '/', env, timeoutMs: 1_000 });
    expect(r).toMatchObject({ code: -1, signal: 'SIGKILL', timedOut: true });
    expect(r.stderr).toContain('timed out after 1000 ms; killed it and its process group');
    expect(await exited(await bg.pid())).toBe(true);
  });

  it('leaves nothing running after a run that exits on its own', async () => {
    const bg = await withBackgroundSleep('exit 0');
    const r = await runInGroup(bg.argv, { cwd: '/', env, timeoutMs: 30_000 });
    expect(r).toMatchObject({ code: 0, timedOut: false });
    expect(await exited(await bg.pid())).toBe(true);
  });

  it('killRunning() ends the runs still going (what the setup file does when a test ends)', async () => {
    const bg = await withBackgroundSleep('wait');
    const run = runInGroup(bg.argv, { cwd: '/', env, timeoutMs: 60_000 });
    const pid = await bg.pid();
    killRunning();
    expect(await run).toMatchObject({ signal: 'SIGKILL', timedOut: false });
    expect(await exited(pid)).toBe(true);
  });
});
