// The build context the layers tests build from: a shell script and a text file on the busybox base.
import { chmod, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBusyboxBase } from '../../harness/busybox-base.js';

export const HELLO_SH = '#!/bin/sh\necho "hello from $(uname -m), $GREETING"\ncat /app/message.txt\n';
export const MESSAGE = 'a text file, copied by gantry layers\n';

/** The image's `build` section (gantry.yml) for the fixture context. */
export const FIXTURE_BUILD = {
  base: 'oci:base:latest',
  copy: [
    { from: 'app/', to: '/app', exclude: ['**/*.map', 'tmp'] },
    { from: 'VERSION', to: '/etc/hello/', mode: '0640', owner: '1000:1001' },
  ],
  entrypoint: ['/bin/sh', '/app/hello.sh'],
  env: { GREETING: 'hi there', PATH: '/bin:/app' },
  workdir: '/app',
  exposedPorts: [8080, '53/udp'],
  labels: { 'com.acme.team': 'platform' },
} as const;

export interface ContextOptions {
  /** mtime and atime of every file, seconds. */
  readonly mtime?: number;
  /** Permission bits of plain files (as a umask would leave them). */
  readonly fileMode?: number;
  /** Whether to write the busybox base layout into `base/` (default true). */
  readonly base?: boolean;
}

/** Writes the fixture context into `dir`; file times and permission bits vary with `o`, contents do not. */
export async function writeFixtureContext(dir: string, o: ContextOptions = {}): Promise<void> {
  const fileMode = o.fileMode ?? 0o644;
  const execMode = fileMode | ((fileMode & 0o444) >> 2);
  await mkdir(join(dir, 'app', 'lib'), { recursive: true });
  await mkdir(join(dir, 'app', 'tmp'), { recursive: true });
  const files: [string, string, number][] = [
    ['app/hello.sh', HELLO_SH, execMode],
    ['app/message.txt', MESSAGE, fileMode],
    ['app/lib/util.sh', 'util() { :; }\n', fileMode],
    ['app/app.js.map', '{"excluded":true}\n', fileMode],
    ['app/lib/deep.map', '{"excluded":true}\n', fileMode],
    ['app/tmp/scratch.txt', 'excluded dir\n', fileMode],
    ['VERSION', '1.2.3\n', fileMode],
  ];
  for (const [name, content, mode] of files) {
    await writeFile(join(dir, name), content);
    await chmod(join(dir, name), mode);
  }
  await symlink('hello.sh', join(dir, 'app', 'run'));
  if (o.mtime !== undefined) {
    for (const [name] of files) await utimes(join(dir, name), o.mtime, o.mtime);
    for (const d of ['app/lib', 'app/tmp', 'app']) await utimes(join(dir, d), o.mtime, o.mtime);
  }
  if (o.base ?? true) await writeBusyboxBase(join(dir, 'base'), 'latest');
}
