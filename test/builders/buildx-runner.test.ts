// The buildx runner around BuildKit, with a stand-in `docker` script: BuildKit cannot run on the
// machines these tests run on (no Docker engine). The stand-in checks nothing about the command line
// (buildx-command.test.ts pins that) and does what buildx does at its edges: answers `buildx version`,
// writes the OCI layout and the --metadata-file, or fails with BuildKit's plain progress output.
// Everything after it (metadata parsing, reading the layout, staging by digest with gantry's copy)
// is real.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBuildxBuilder } from '../../src/builders/buildx/builder.js';
import { copyImage } from '../../src/publish/copy.js';
import { writeBusyboxBase, type BusyboxBase } from '../harness/busybox-base.js';
import { tempDir } from '../support/images.js';
import { layoutStaging, requestFor } from './support.js';

const YAML = 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    build: { backend: buildx }\n';

const FAKE_DOCKER = `#!/bin/sh
# stand-in for docker buildx (see the test file's comment)
echo "$@" >> "$FAKE_LOG"
[ "$1 $2" = "buildx version" ] && { [ -n "$FAKE_NO_BUILDX" ] && { echo "docker: unknown command: docker buildx" >&2; exit 1; }; echo "github.com/docker/buildx v0.17.1 257815a"; exit 0; }
if [ -n "$FAKE_FAIL" ]; then
  printf '#6 [2/2] RUN make test\\n#6 0.101 /bin/sh: make: not found\\n#6 ERROR: process "/bin/sh -c make test" did not complete successfully: exit code: 127\\n' >&2
  echo 'ERROR: failed to solve: process "/bin/sh -c make test" did not complete successfully: exit code: 127' >&2
  exit 1
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --metadata-file) meta="$2"; shift ;;
    --output) dest=$(echo "$2" | sed -n 's/^type=oci,dest=\\([^,]*\\),tar=false$/\\1/p'); shift ;;
  esac
  shift
done
cp -r "$FAKE_LAYOUT" "$dest"
printf '{"containerimage.config.digest":"%s","containerimage.descriptor":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s},"containerimage.digest":"%s"}' "$FAKE_CONFIG" "$FAKE_DIGEST" "$FAKE_SIZE" "$FAKE_DIGEST" > "$meta"
echo "#7 exporting to oci image format"
`;

describe('buildx runner (stand-in docker)', () => {
  let dir: string;
  let docker: string;
  let base: BusyboxBase;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('gantry-buildx-');
    base = await writeBusyboxBase(join(dir, 'built'), 'v1');
    docker = join(dir, 'docker');
    await writeFile(docker, FAKE_DOCKER);
    await chmod(docker, 0o755);
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const arm = base.platforms.find((p) => p.platform === 'linux/arm64')!;
    const manifest = JSON.parse(await readFile(join(base.dir, 'blobs', 'sha256', arm.digest.slice(7)), 'utf8')) as {
      config: { digest: string };
    };
    const size = (await readFile(join(base.dir, 'blobs', 'sha256', arm.digest.slice(7)))).length;
    env = {
      PATH: process.env.PATH ?? '',
      FAKE_LOG: join(dir, 'log'),
      FAKE_LAYOUT: base.dir,
      FAKE_DIGEST: arm.digest,
      FAKE_CONFIG: manifest.config.digest,
      FAKE_SIZE: String(size),
    };
  });

  const builder = (extra: Record<string, string> = {}, binary?: string) =>
    createBuildxBuilder({
      env: { ...env, ...extra },
      stage: async (src, digest, target) => void (await copyImage(src, digest, [{ store: target }])),
      tmpDir: dir,
      githubActions: false,
      binary: binary ?? docker,
    });

  it('offline: reads the metadata, stages the manifest by digest into the layout, tags nothing', async () => {
    const staging = await layoutStaging(join(dir, 'staging'));
    const lines: string[] = [];
    const req = { ...requestFor(YAML, 'api', 'linux/arm64', { cwd: dir, staging }), log: (l: string) => lines.push(l) };
    const r = await builder().build(req);
    const arm = base.platforms.find((p) => p.platform === 'linux/arm64')!;
    expect(r).toMatchObject({
      platform: 'linux/arm64',
      backend: 'buildx',
      descriptor: { digest: arm.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(r.compressedSize).toBeGreaterThan(500_000);
    expect((await staging.store.fetchManifest(arm.digest)).descriptor.digest).toBe(arm.digest);
    expect(await staging.store.listTags()).toEqual([]);
    const log = await readFile(join(dir, 'log'), 'utf8');
    expect(log).toMatch(/^buildx version\nbuildx build --platform linux\/arm64 --file Dockerfile /);
    expect(log).toMatch(
      /--output type=oci,dest=\S+\/layout,tar=false --metadata-file \S+\/metadata\.json --provenance=false --sbom=false --progress=plain \.\n$/,
    );
    expect(lines).toContain('  #7 exporting to oci image format');
  });

  it("a failing build: exit-1 error with the failing step and BuildKit's last lines", async () => {
    const staging = await layoutStaging(join(dir, 'staging-fail'));
    const err = await builder({ FAKE_FAIL: '1' })
      .build(requestFor(YAML, 'api', 'linux/amd64', { cwd: dir, staging }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BUILD_FAILED', userError: false });
    expect((err as Error).message).toMatch(/^build of api linux\/amd64 failed \(.*docker buildx: exit 1\) at \[2\/2\] RUN make test\n/);
    expect((err as Error).message).toContain(
      '  | ERROR: failed to solve: process "/bin/sh -c make test" did not complete successfully: exit code: 127',
    );
  });

  it('docker without the buildx plugin, and no docker at all: how to install it', async () => {
    const req = requestFor(YAML, 'api', 'linux/amd64', { cwd: dir });
    await expect(builder({ FAKE_NO_BUILDX: '1' }).build(req)).rejects.toMatchObject({
      code: 'BUILDER_MISSING',
      userError: true,
      message: expect.stringMatching(/buildx plugin is not installed \(.*unknown command: docker buildx\).*docker-buildx-plugin/),
    });
    await expect(builder({}, join(dir, 'no-such-docker')).build(req)).rejects.toMatchObject({
      code: 'BUILDER_MISSING',
      message: expect.stringMatching(/no-such-docker is not installed .*apt-get install docker-ce-cli docker-buildx-plugin/),
    });
  });
});
