import { describe, expect, it } from 'vitest';
import { buildxBuildArgs, buildxCacheArgs, buildxOutput, platformCacheRef } from '../../src/builders/buildx/command.js';
import { resolveDockerfileInputs } from '../../src/builders/dockerfile-inputs.js';
import { requestFor } from './support.js';

const API = `images:
  - name: api
    repositories: [ghcr.io/acme/api]
    platforms: [linux/amd64, linux/arm64, linux/arm/v7]
    build:
      args: { NODE_VERSION: "22" }
`;
const WORKER = `images:
  - name: worker
    repositories: [ghcr.io/acme/worker]
    platforms: [linux/amd64, linux/arm64]
    build:
      backend: buildx
      dockerfile: Dockerfile.worker
      cache: { type: registry, ref: "ghcr.io/acme/worker:buildcache", mode: max }
      platform:
        linux/arm64: { dockerfile: Dockerfile.worker.arm64, args: { JOBS: "8" } }
`;
const GHA = `images:
  - name: web
    repositories: [ghcr.io/acme/web]
    build: { cache: { type: gha, mode: max } }
`;

const inputs = (yaml: string, image: string, platform: string) => resolveDockerfileInputs(requestFor(yaml, image, platform));
const registry = { kind: 'registry' as const, repository: 'ghcr.io/acme/api', insecure: false };

describe('buildx command lines', () => {
  it('the whole line: push by digest, metadata file, no attestations, plain progress, gha cache in GitHub Actions', () => {
    const args = buildxBuildArgs(inputs(API, 'api', 'linux/arm64'), {
      output: registry,
      metadataFile: '/tmp/m/metadata.json',
      githubActions: true,
    });
    expect(args).toEqual([
      'buildx',
      'build',
      '--platform',
      'linux/arm64',
      '--file',
      'Dockerfile',
      '--build-arg',
      'BUILD_DATE=2024-05-01T10:00:00Z',
      '--build-arg',
      'VCS_REF=0123456789abcdef0123456789abcdef01234567',
      '--build-arg',
      'VERSION=1.2.3',
      '--build-arg',
      'SOURCE_DATE_EPOCH=1714557600',
      '--build-arg',
      'NODE_VERSION=22',
      '--label',
      'org.opencontainers.image.created=2024-05-01T10:00:00Z',
      '--label',
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567',
      '--label',
      'org.opencontainers.image.source=https://github.com/acme/api',
      '--label',
      'org.opencontainers.image.title=api',
      '--label',
      'org.opencontainers.image.url=https://github.com/acme/api',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--annotation',
      'org.opencontainers.image.created=2024-05-01T10:00:00Z',
      '--annotation',
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567',
      '--annotation',
      'org.opencontainers.image.source=https://github.com/acme/api',
      '--annotation',
      'org.opencontainers.image.title=api',
      '--annotation',
      'org.opencontainers.image.url=https://github.com/acme/api',
      '--annotation',
      'org.opencontainers.image.version=1.2.3',
      '--output',
      'type=image,name=ghcr.io/acme/api,push-by-digest=true,name-canonical=true,push=true,oci-mediatypes=true',
      '--metadata-file',
      '/tmp/m/metadata.json',
      '--provenance=false',
      '--sbom=false',
      '--progress=plain',
      '--cache-from',
      'type=gha,scope=api-linux-arm64',
      '--cache-to',
      'type=gha,scope=api-linux-arm64',
      '.',
    ]);
  });

  // prettier-ignore
  const caches: [what: string, yaml: string, image: string, platform: string, gha: boolean, want: string[]][] = [
    ['no cache configured, outside GitHub Actions: none', API, 'api', 'linux/amd64', false, []],
    ['no cache configured, in GitHub Actions: gha per image and platform', API, 'api', 'linux/amd64', true,
      ['--cache-from', 'type=gha,scope=api-linux-amd64', '--cache-to', 'type=gha,scope=api-linux-amd64']],
    ['a variant in the scope', API, 'api', 'linux/arm/v7', true,
      ['--cache-from', 'type=gha,scope=api-linux-arm-v7', '--cache-to', 'type=gha,scope=api-linux-arm-v7']],
    ['gha with mode max, in GitHub Actions', GHA, 'web', 'linux/amd64', true,
      ['--cache-from', 'type=gha,scope=web-linux-amd64', '--cache-to', 'type=gha,scope=web-linux-amd64,mode=max']],
    ['gha outside GitHub Actions: none', GHA, 'web', 'linux/amd64', false, []],
    ['registry cache: one tag per platform, anywhere', WORKER, 'worker', 'linux/arm64', false,
      ['--cache-from', 'type=registry,ref=ghcr.io/acme/worker:buildcache-linux-arm64', '--cache-to', 'type=registry,ref=ghcr.io/acme/worker:buildcache-linux-arm64,mode=max']],
    ['registry cache wins over gha in GitHub Actions', WORKER, 'worker', 'linux/amd64', true,
      ['--cache-from', 'type=registry,ref=ghcr.io/acme/worker:buildcache-linux-amd64', '--cache-to', 'type=registry,ref=ghcr.io/acme/worker:buildcache-linux-amd64,mode=max']],
  ];
  it.each(caches)('cache: %s', (_what, yaml, image, platform, gha, want) => {
    expect(buildxCacheArgs(inputs(yaml, image, platform), gha)).toEqual(want);
  });

  it('per-platform Dockerfile and args', () => {
    const amd = buildxBuildArgs(inputs(WORKER, 'worker', 'linux/amd64'), { output: registry, metadataFile: 'm', githubActions: false });
    const arm = buildxBuildArgs(inputs(WORKER, 'worker', 'linux/arm64'), { output: registry, metadataFile: 'm', githubActions: false });
    expect(amd.slice(2, 6)).toEqual(['--platform', 'linux/amd64', '--file', 'Dockerfile.worker']);
    expect(arm.slice(2, 6)).toEqual(['--platform', 'linux/arm64', '--file', 'Dockerfile.worker.arm64']);
    expect(arm).toContain('JOBS=8');
    expect(amd).not.toContain('JOBS=8');
  });

  it('outputs: insecure registry, OCI layout offline', () => {
    expect(buildxOutput({ kind: 'registry', repository: '127.0.0.1:5000/acme/api', insecure: true })).toBe(
      'type=image,name=127.0.0.1:5000/acme/api,push-by-digest=true,name-canonical=true,push=true,oci-mediatypes=true,registry.insecure=true',
    );
    expect(buildxOutput({ kind: 'layout', dir: '/tmp/b/layout' })).toBe('type=oci,dest=/tmp/b/layout,tar=false');
  });

  it('a registry cache ref without a tag gets buildcache-<platform>', () => {
    expect(platformCacheRef('ghcr.io/acme/cache', 'linux/amd64')).toBe('ghcr.io/acme/cache:buildcache-linux-amd64');
    expect(platformCacheRef('acme/cache:main', 'linux/arm64')).toBe('docker.io/acme/cache:main-linux-arm64');
  });
});
