import { describe, expect, it } from 'vitest';
import { buildahBuildArgs, buildahGlobalArgs, buildahPushArgs, buildahRmiArgs } from '../../src/builders/buildah/command.js';
import { resolveDockerfileInputs } from '../../src/builders/dockerfile-inputs.js';
import { requestFor } from './support.js';

const WORKER = `images:
  - name: worker
    repositories: [ghcr.io/acme/worker]
    platforms: [linux/amd64, linux/arm64]
    labels: { org.opencontainers.image.vendor: Acme }
    build:
      backend: buildah
      context: services/worker
      dockerfile: services/worker/Dockerfile
      target: runtime
      args: { PYTHON_VERSION: "3.12", VERSION: from-config }
      platform:
        linux/arm64:
          dockerfile: services/worker/Dockerfile.worker.arm64
          args: { PYTHON_VERSION: "3.12-arm" }
`;

describe('buildah command lines', () => {
  it("amd64: the image Dockerfile, build args (config wins over gantry's), labels, annotations, commit time, vfs storage", () => {
    const inputs = resolveDockerfileInputs(requestFor(WORKER, 'worker', 'linux/amd64'));
    const args = buildahBuildArgs(inputs, {
      tag: 'gantry-build-0011',
      isolation: 'chroot',
      tlsVerify: true,
      storage: { driver: 'vfs', root: '/t/root', runroot: '/t/runroot' },
    });
    expect(args).toEqual([
      '--storage-driver',
      'vfs',
      '--root',
      '/t/root',
      '--runroot',
      '/t/runroot',
      'build',
      '--platform',
      'linux/amd64',
      '--file',
      'services/worker/Dockerfile',
      '--target',
      'runtime',
      '--build-arg',
      'BUILD_DATE=2024-05-01T10:00:00Z',
      '--build-arg',
      'VCS_REF=0123456789abcdef0123456789abcdef01234567',
      '--build-arg',
      'VERSION=from-config',
      '--build-arg',
      'SOURCE_DATE_EPOCH=1714557600',
      '--build-arg',
      'PYTHON_VERSION=3.12',
      '--label',
      'org.opencontainers.image.created=2024-05-01T10:00:00Z',
      '--label',
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567',
      '--label',
      'org.opencontainers.image.source=https://github.com/acme/api',
      '--label',
      'org.opencontainers.image.title=worker',
      '--label',
      'org.opencontainers.image.url=https://github.com/acme/api',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--label',
      'org.opencontainers.image.vendor=Acme',
      '--annotation',
      'org.opencontainers.image.created=2024-05-01T10:00:00Z',
      '--annotation',
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567',
      '--annotation',
      'org.opencontainers.image.source=https://github.com/acme/api',
      '--annotation',
      'org.opencontainers.image.title=worker',
      '--annotation',
      'org.opencontainers.image.url=https://github.com/acme/api',
      '--annotation',
      'org.opencontainers.image.version=1.2.3',
      '--timestamp',
      '1714557600',
      '--isolation',
      'chroot',
      '--format',
      'oci',
      '--tag',
      'gantry-build-0011',
      'services/worker',
    ]);
  });

  it("arm64: the per-platform Dockerfile and args; plain HTTP pulls; buildah's default storage", () => {
    const inputs = resolveDockerfileInputs(requestFor(WORKER, 'worker', 'linux/arm64'));
    const args = buildahBuildArgs(inputs, { tag: 't', isolation: 'chroot', tlsVerify: false });
    expect(args.slice(0, 5)).toEqual(['build', '--platform', 'linux/arm64', '--file', 'services/worker/Dockerfile.worker.arm64']);
    expect(args).toContain('PYTHON_VERSION=3.12-arm');
    expect(args).not.toContain('PYTHON_VERSION=3.12');
    expect(args.slice(-4)).toEqual(['--tls-verify=false', '--tag', 't', 'services/worker']);
  });

  it('defaults: Dockerfile in ".", VERSION from the plan, no target', () => {
    const inputs = resolveDockerfileInputs(
      requestFor('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    build: { backend: buildah }\n', 'api', 'linux/amd64'),
    );
    const args = buildahBuildArgs(inputs, { tag: 't', isolation: 'oci', tlsVerify: true });
    expect(args.slice(0, 5)).toEqual(['build', '--platform', 'linux/amd64', '--file', 'Dockerfile']);
    expect(args).toContain('VERSION=1.2.3');
    expect(args).not.toContain('--target');
    expect(args.at(-1)).toBe('.');
    expect(args).toContain('oci');
  });

  it('push into a temporary layout with a digest file, and rmi', () => {
    const storage = { driver: 'vfs', root: '/r', runroot: '/rr' };
    expect(buildahPushArgs('gantry-build-1', '/tmp/x/layout', '/tmp/x/digest', storage)).toEqual([
      '--storage-driver',
      'vfs',
      '--root',
      '/r',
      '--runroot',
      '/rr',
      'push',
      '--digestfile',
      '/tmp/x/digest',
      'gantry-build-1',
      'oci:/tmp/x/layout:build',
    ]);
    expect(buildahRmiArgs('gantry-build-1')).toEqual(['rmi', 'gantry-build-1']);
    expect(buildahGlobalArgs({ root: '/r' })).toEqual(['--root', '/r']);
  });
});
