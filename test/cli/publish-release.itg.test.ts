// gantry publish as a user runs it (a separate process, a real registry): `gantry build` then
// `gantry publish` in one working copy publishes what was built; a version published before is
// refused (exit 3, with --json printing the result and its gates) until --overwrite-release.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry, type CliResult } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { git } from '../support/git.js';
import { clientFor, tempDir } from '../support/images.js';

interface Result {
  images: { digest: string; gates: { gate: string; passed: boolean; details: string[] }[] }[];
  records?: { from: string; notes: string[] };
  refused?: string;
  overwritten: { tag: string; has: string; would: string }[];
  changed: boolean;
}

describe('gantry publish: records of this working copy, released versions', () => {
  let reg: TestRegistry;
  let wc: string;

  beforeAll(async () => {
    reg = await startRegistry();
    const base = await writeBusyboxBase(await tempDir(), 'v1');
    const c = clientFor(reg);
    await copyImage(await openLayout(base.dir), 'v1', [{ store: c.repository(reg.host, 'base/busybox'), tag: 'v1' }]);
    await c.close();
    wc = await tempDir('gantry-wc-');
    git(wc, 'init', '-q', '-b', 'main');
    await writeFile(join(wc, 'hello.sh'), '#!/bin/sh\necho hello\n');
    await writeFile(
      join(wc, 'gantry.yml'),
      [
        'images:',
        '  - name: hello',
        `    repositories: [${reg.host}/acme/hello]`,
        '    platforms: [linux/amd64, linux/arm64]',
        '    build:',
        '      backend: layers',
        `      base: ${reg.host}/base/busybox:v1`,
        '      copy: [{ from: hello.sh, to: /app/hello.sh, mode: "0755" }]',
        '',
      ].join('\n'),
    );
    await writeFile(join(wc, '.gitignore'), '.gantry/\n');
    git(wc, 'add', '.');
    git(wc, 'commit', '-q', '-m', 'hello');
  });
  afterAll(async () => reg?.stop());

  const tags = async (): Promise<Record<string, string>> => {
    const c = clientFor(reg);
    try {
      const r = c.repository(reg.host, 'acme/hello');
      const out: Record<string, string> = {};
      for (const t of await r.listTags().catch(() => [])) out[t] = (await r.resolve(t)).digest;
      return out;
    } finally {
      await c.close();
    }
  };
  const json = (r: CliResult): Result => JSON.parse(r.stdout) as Result;

  it('build then publish: publish uses the records build left for this revision, and says so; other revisions are ignored with a note', async () => {
    const buildStarted = Date.now();
    const build = await gantry(['build', '--version', '1.0.0'], { cwd: wc });
    const buildSeconds = (Date.now() - buildStarted) / 1000;
    expectExit(build, 0);
    expect(build.stderr).toMatch(/building hello linux\/arm64/);
    const started = Date.now();
    const pub = await gantry(['--json', 'publish', '--version', '1.0.0'], { cwd: wc });
    const seconds = (Date.now() - started) / 1000;
    expectExit(pub, 0);
    expect(pub.stderr).toContain(
      'publishing the 2 platform build(s) that gantry build left in .gantry/records for this revision; not building again',
    );
    expect(pub.stderr).not.toMatch(/building hello/);
    expect(json(pub).records).toMatchObject({ from: 'working-copy' });
    expect(Object.keys(await tags()).sort()).toContain('1.0.0');
    process.stderr.write(`build-then-publish: build ${buildSeconds.toFixed(1)} s, then publish ${seconds.toFixed(1)} s without building\n`);

    // A later commit: the records are of another revision, so publish builds here and says why.
    await writeFile(join(wc, 'hello.sh'), '#!/bin/sh\necho hello again\n');
    git(wc, 'commit', '-q', '-am', 'again');
    const nextStarted = Date.now();
    const next = await gantry(['--json', 'publish', '--version', '1.1.0'], { cwd: wc });
    process.stderr.write(`publish that builds here: ${((Date.now() - nextStarted) / 1000).toFixed(1)} s\n`);
    expectExit(next, 0);
    expect(next.stderr).toMatch(/ignoring 2 build record\(s\) in .*\.gantry\/records of other revisions \(\w{12}\), not this revision/);
    expect(next.stderr).toMatch(/building hello linux\/amd64/);
    expect(json(next).records).toMatchObject({ from: 'built', notes: [expect.stringContaining('other revisions')] });
  });

  it('a version published with other content: exit 3 naming the tag and both digests, --json prints the result with the gates, nothing moves; --overwrite-release moves it', async () => {
    const before = await tags();
    const published = before['1.0.0']!;
    expect(published).toMatch(/^sha256:/);
    // HEAD is a later commit than 1.0.0's: its index differs.
    const r = await gantry(['--json', 'publish', '--version', '1.0.0'], { cwd: wc });
    expectExit(r, 3);
    const result = json(r);
    const would = result.images[0]!.digest;
    expect(would).not.toBe(published);
    expect(result.refused).toContain('a published version is immutable');
    expect(result.images[0]!.gates).toEqual([
      {
        gate: 'released-version',
        passed: false,
        details: [`${reg.host}/acme/hello:1.0.0 is ${published}, this release would make it ${would}`],
      },
    ]);
    expect(r.stderr).toContain(`${reg.host}/acme/hello:1.0.0 is ${published}, this release would make it ${would}`);
    expect(r.stderr).toContain('--overwrite-release');
    expect(await tags()).toEqual(before);

    // Text mode refuses the same way; the step summary says it was refused.
    const summaryFile = join(await tempDir(), 'summary.md');
    const text = await gantry(['publish', '--version', '1.0.0'], { cwd: wc, env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expectExit(text, 3);
    expect(await readFile(summaryFile, 'utf8')).toContain('(refused)');
    expect(await tags()).toEqual(before);

    const over = await gantry(['--json', 'publish', '--version', '1.0.0', '--overwrite-release'], {
      cwd: wc,
      env: { GITHUB_STEP_SUMMARY: summaryFile },
    });
    expectExit(over, 0);
    expect(over.stderr).toContain(
      `overwriting a published release (--overwrite-release): ${reg.host}/acme/hello:1.0.0 moves from ${published} to ${would}`,
    );
    expect(json(over).overwritten).toEqual([expect.objectContaining({ tag: '1.0.0', has: published, would })]);
    expect(await readFile(summaryFile, 'utf8')).toContain('**Overwritten release**');
    expect((await tags())['1.0.0']).toBe(would);

    // The same release again: same digest, no refusal, nothing to do.
    const again = await gantry(['publish', '--version', '1.0.0'], { cwd: wc });
    expectExit(again, 0);
    expect(again.stdout).toContain('nothing to do: already published');
  });
});
