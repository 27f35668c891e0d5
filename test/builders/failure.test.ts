import { describe, expect, it } from 'vitest';
import { buildFailure, failingStep } from '../../src/builders/failure.js';

// What buildah 1.28.2 printed for a RUN that fails (recorded on this project's test machine).
const BUILDAH = `STEP 1/4: FROM 127.0.0.1:5911/base:v1
STEP 2/4: RUN echo step-one
step-one
STEP 3/4: RUN echo about to fail && ls /nonexistent && echo never
about to fail
ls: /nonexistent: No such file or directory
subprocess exited with status 1
subprocess exited with status 1
Error: building at STEP "RUN echo about to fail && ls /nonexistent && echo never": exit status 1`.split('\n');

// BuildKit's --progress=plain output for a failing RUN (the format docker buildx prints).
const BUILDKIT = `#0 building with "default" instance using docker-container driver

#5 [2/3] RUN apk add --no-cache curl
#5 0.213 fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/aarch64/APKINDEX.tar.gz
#5 DONE 1.2s

#6 [3/3] RUN make test
#6 0.101 /bin/sh: make: not found
#6 ERROR: process "/bin/sh -c make test" did not complete successfully: exit code: 127
------
 > [3/3] RUN make test:
0.101 /bin/sh: make: not found
------
Dockerfile:3
--------------------
   3 | >>> RUN make test
--------------------
ERROR: failed to solve: process "/bin/sh -c make test" did not complete successfully: exit code: 127`.split('\n');

describe('failed builds', () => {
  it('finds the failing step in buildah and BuildKit output', () => {
    expect(failingStep(BUILDAH)).toBe('STEP 3/4: RUN echo about to fail && ls /nonexistent && echo never');
    expect(failingStep(BUILDKIT)).toBe('[3/3] RUN make test');
    expect(failingStep(['ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory'])).toBe(
      'failed to read dockerfile: open Dockerfile: no such file or directory',
    );
    expect(failingStep(['STEP 1/1: FROM nope', 'Error: creating build container: manifest unknown'])).toBe('STEP 1/1: FROM nope');
    expect(failingStep(['something else'])).toBeUndefined();
  });

  it('the error: step, the last lines, nothing pushed; exit 1 (not a usage error)', () => {
    const lines = [...Array.from({ length: 30 }, (_, i) => `noise ${i}`), ...BUILDAH];
    const e = buildFailure({
      tool: 'buildah',
      what: 'build',
      image: 'api',
      platform: 'linux/arm64',
      run: { code: 1, signal: null, tail: lines },
    });
    expect(e.code).toBe('BUILD_FAILED');
    expect(e.userError).toBe(false);
    const m = e.message.split('\n');
    expect(m[0]).toBe(
      'build of api linux/arm64 failed (buildah: exit 1) at STEP 3/4: RUN echo about to fail && ls /nonexistent && echo never',
    );
    expect(m[1]).toBe("last 20 lines of buildah's output:");
    expect(m.slice(2, 22)).toEqual(lines.slice(-20).map((l) => `  | ${l}`));
    expect(m.at(-1)).toBe('nothing was pushed under any tag, and no digest record was written for this platform');
  });

  it('"exec format error" adds how to install emulation', () => {
    const e = buildFailure({
      tool: 'buildah',
      what: 'build',
      image: 'api',
      platform: 'linux/arm64',
      run: { code: 1, signal: null, tail: ['STEP 2/2: RUN true', 'exec /bin/sh: exec format error'] },
      tailLines: 5,
    });
    expect(e.message).toContain('apt-get install qemu-user-static binfmt-support');
    expect(e.message).toContain('update-binfmts --enable qemu-aarch64');
  });
});
