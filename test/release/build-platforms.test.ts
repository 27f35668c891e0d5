// runBuilds' orchestration: backend per image, platforms in order, one record per staged platform,
// the first failure stops the run. The builders here are stand-ins that return fixed results
// (the real ones run in buildah.itg.test.ts); staging and the record files are real.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../../src/builders/errors.js';
import { runBuilds } from '../../src/release/build-platforms.js';
import type { Builder, BuildRequest } from '../../src/builders/backend.js';
import type { Digest } from '../../src/oci/digest.js';
import { tempDir } from '../support/images.js';
import { CONTEXT, layoutStaging, planOf } from '../builders/support.js';

const YAML = `images:
  - name: api
    repositories: [ghcr.io/acme/api]
    platforms: [linux/amd64, linux/arm64]
    build: { backend: buildah }
  - name: web
    repositories: [ghcr.io/acme/web]
    platforms: [linux/amd64]
    build: { backend: buildx }
`;

function standIn(backend: 'buildah' | 'buildx', seen: string[], failOn?: string): Builder {
  return {
    async build(req: BuildRequest) {
      seen.push(`${backend} ${req.image.name} ${req.platform} → ${req.staging.kind}`);
      if (`${req.image.name} ${req.platform}` === failOn) throw new BuildError('BUILD_FAILED', 'RUN failed');
      const digest = `sha256:${String(seen.length).repeat(64)}` as Digest;
      return {
        platform: req.platform,
        descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 500 },
        compressedSize: 1000,
        backend,
        seconds: 1.23456,
      };
    },
  };
}

describe('runBuilds', () => {
  const { config, plan } = planOf(YAML);

  it('each image with its backend, platforms in order, one record file per platform', async () => {
    const dir = await tempDir();
    const seen: string[] = [];
    const staging = await layoutStaging(join(dir, 'stage'));
    const run = await runBuilds({
      plan,
      config,
      context: CONTEXT,
      cwd: dir,
      builders: { buildah: standIn('buildah', seen), buildx: standIn('buildx', seen) },
      staging: async () => staging,
      recordDir: join(dir, 'records'),
      log: () => undefined,
    });
    expect(seen).toEqual(['buildah api linux/amd64 → layout', 'buildah api linux/arm64 → layout', 'buildx web linux/amd64 → layout']);
    expect((await readdir(join(dir, 'records'))).sort()).toEqual(['api-linux-amd64.json', 'api-linux-arm64.json', 'web-linux-amd64.json']);
    expect(run.files.map((f) => f.slice(dir.length))).toEqual([
      '/records/api-linux-amd64.json',
      '/records/api-linux-arm64.json',
      '/records/web-linux-amd64.json',
    ]);
    expect(JSON.parse(await readFile(run.files[1]!, 'utf8'))).toEqual({
      schema: 'gantry.build.v1',
      image: 'api',
      platform: 'linux/arm64',
      digest: `sha256:${'2'.repeat(64)}`,
      size: 500,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      compressedSize: 1000,
      repository: `oci:${join(dir, 'stage')}`,
      backend: 'buildah',
      revision: CONTEXT.sha,
      version: '1.2.3',
      timings: { seconds: 1.235 },
    });
    expect(run.records[2]).toMatchObject({ image: 'web', backend: 'buildx' });
  });

  it('the first failure stops the run: earlier platforms keep their records, the failed one has none', async () => {
    const dir = await tempDir();
    const seen: string[] = [];
    const staging = await layoutStaging(join(dir, 'stage'));
    const run = runBuilds({
      plan,
      config,
      context: CONTEXT,
      cwd: dir,
      builders: { buildah: standIn('buildah', seen, 'api linux/arm64'), buildx: standIn('buildx', seen) },
      staging: async () => staging,
      recordDir: join(dir, 'records'),
      log: () => undefined,
    });
    await expect(run).rejects.toMatchObject({ code: 'BUILD_FAILED' });
    expect(seen).toEqual(['buildah api linux/amd64 → layout', 'buildah api linux/arm64 → layout']);
    expect(await readdir(join(dir, 'records'))).toEqual(['api-linux-amd64.json']);
  });

  it('an image whose backend has no builder fails before anything is built', async () => {
    const seen: string[] = [];
    await expect(
      runBuilds({
        plan,
        config,
        context: CONTEXT,
        cwd: '/nowhere',
        builders: { buildah: standIn('buildah', seen) },
        staging: async () => {
          throw new Error('not reached');
        },
        recordDir: '/nowhere/records',
        log: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: 'image "web" uses backend buildx, which this gantry cannot run' });
    expect(seen).toEqual([]);
  });
});
