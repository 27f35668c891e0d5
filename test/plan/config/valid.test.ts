import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type GantryConfig, type ImageSpec } from '../../../src/plan/config/index.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** What every image gets when it sets nothing but name and repositories. */
const IMAGE_DEFAULTS: Omit<ImageSpec, 'name' | 'repositories'> = {
  platforms: ['linux/amd64', 'linux/arm64'],
  build: { backend: 'buildx', context: '.', dockerfile: 'Dockerfile', args: {}, platform: {} },
  flavor: { latest: 'auto', prefix: '', suffix: '', prefixOnLatest: false, suffixOnLatest: false },
  labels: {},
  annotations: {},
  gates: { requiredLabels: [] },
  attest: { sbom: false, provenance: false },
  push: { pullRequests: false },
};

describe('parseConfig: valid configurations', () => {
  it('fills in every default for a minimal config', () => {
    const config = parseConfig('images: [{name: app, repositories: [ghcr.io/acme/app]}]\n', 'gantry.yml');
    const expected: GantryConfig = {
      version: 1,
      images: [{ name: 'app', repositories: [{ name: 'ghcr.io/acme/app', optional: false }], ...IMAGE_DEFAULTS }],
    };
    expect(config).toEqual(expected);
  });

  it('reads the DESIGN.md sketch, once the keys this version refuses are taken out', () => {
    // The sketch as written sets sign, gates.vulnerabilities and chart: refused (unavailable.test.ts).
    const text = fixture('design.gantry.yml')
      .replace(', vulnerabilities: { failOn: critical }', '')
      .replace(/^ +sign: .*\n/m, '')
      .replace(/^chart: .*\n/m, '');
    const config = parseConfig(text, 'gantry.yml');
    expect(config.version).toBe(1);
    expect(config.chart).toBeUndefined();
    const [api, web] = config.images;
    expect(api).toEqual({
      ...IMAGE_DEFAULTS,
      name: 'api',
      repositories: [
        { name: 'ghcr.io/acme/api', optional: false },
        { name: 'docker.io/acme/api', optional: true },
      ],
      build: {
        backend: 'buildx',
        context: '.',
        dockerfile: 'Dockerfile',
        args: {},
        platform: { 'linux/arm64': { dockerfile: 'Dockerfile.arm64', runner: 'ubuntu-24.04-arm', args: {} } },
      },
      tags: 'type=semver,pattern={{version}}\n',
      gates: { maxSize: 200_000_000, requiredLabels: [] },
    });
    expect(web).toEqual({
      ...IMAGE_DEFAULTS,
      name: 'web',
      repositories: [{ name: 'ghcr.io/acme/web', optional: false }],
      build: {
        backend: 'layers',
        context: '.',
        base: { kind: 'registry', reference: 'docker.io/library/node:22-alpine' },
        copy: [{ from: 'dist/', to: '/app', exclude: [] }],
        entrypoint: ['node', '/app/server.js'],
        env: {},
        user: '1000',
        exposedPorts: [],
        labels: {},
        platform: {},
      },
    });
  });

  it('reads two images, one with a per-platform Dockerfile and runner, Docker Hub optional', () => {
    const text = fixture('api-worker.gantry.yml')
      .replace(/^ +(vulnerabilities|attest|sign): .*\n/gm, '')
      .replace(/^chart: .*\n/m, '');
    const config = parseConfig(text, 'gantry.yml');
    expect(config.chart).toBeUndefined();
    const [api, worker] = config.images;
    expect(api).toEqual({
      ...IMAGE_DEFAULTS,
      name: 'api',
      repositories: [
        { name: 'ghcr.io/acme/api', optional: false },
        { name: 'docker.io/acme/api', optional: true },
      ],
      title: 'Acme API',
      licenses: 'Apache-2.0',
      url: 'https://github.com/acme/platform',
      labels: { 'org.opencontainers.image.vendor': 'Acme' },
      gates: {
        maxSize: 1_610_612_736,
        requiredLabels: ['org.opencontainers.image.source'],
      },
    });
    expect(worker).toEqual({
      ...IMAGE_DEFAULTS,
      name: 'worker',
      repositories: [
        { name: 'ghcr.io/acme/worker', optional: false },
        { name: 'docker.io/acme/worker', optional: true },
      ],
      platforms: ['linux/amd64', 'linux/arm64'],
      build: {
        backend: 'buildx',
        context: '.',
        dockerfile: 'Dockerfile.worker',
        args: { PYTHON_VERSION: '3.12', WORKERS: '4', DEBUG: 'false' },
        cache: { type: 'gha' },
        platform: { 'linux/arm64': { dockerfile: 'Dockerfile.worker.arm64', runner: 'ubuntu-24.04-arm', args: {} } },
      },
      tags: 'type=semver,pattern={{version}}\ntype=sha',
      flavor: { latest: 'false', prefix: '', suffix: '-worker', prefixOnLatest: false, suffixOnLatest: false },
      push: { pullRequests: true },
    });
  });

  it('normalizes platforms, repositories and per-platform keys', () => {
    const config = parseConfig(
      `images:
  - name: multi
    repositories: [Localhost:5000/team/multi, registry-1.docker.io/acme/multi, alpine]
    platforms: [Linux/x86_64, linux/arm64/v8, linux/armhf, windows(10.0.20348)/amd64]
    build:
      backend: buildah
      target: runtime
      cache: { type: registry, ref: "ghcr.io/acme/multi:cache", mode: max }
      platform:
        linux/aarch64: { runner: arm-runner, args: { ARCH: arm64 } }
        linux/arm/v7: { dockerfile: Dockerfile.armv7 }
`,
      'gantry.yml',
    );
    const [image] = config.images;
    expect(image?.repositories.map((r) => r.name)).toEqual([
      'localhost:5000/team/multi',
      'docker.io/acme/multi',
      'docker.io/library/alpine',
    ]);
    expect(image?.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows(10.0.20348)/amd64']);
    expect(image?.build).toEqual({
      backend: 'buildah',
      context: '.',
      dockerfile: 'Dockerfile',
      args: {},
      target: 'runtime',
      cache: { type: 'registry', ref: 'ghcr.io/acme/multi:cache', mode: 'max' },
      platform: {
        'linux/arm64': { runner: 'arm-runner', args: { ARCH: 'arm64' } },
        'linux/arm/v7': { dockerfile: 'Dockerfile.armv7', args: {} },
      },
    });
  });

  it('lowercases repositories written with capitals, as metadata-action does, and keeps what was written', () => {
    const config = parseConfig(
      'images:\n  - name: app\n    repositories: [ghcr.io/MyOrg/MyApp, { name: MyOrg/App, optional: true }, oci:./Out/App]\n',
      'gantry.yml',
    );
    expect(config.images[0]?.repositories).toEqual([
      { name: 'ghcr.io/myorg/myapp', optional: false, written: 'ghcr.io/MyOrg/MyApp' },
      { name: 'docker.io/myorg/app', optional: true, written: 'MyOrg/App' },
      // A layout directory is a path: its case is the file system's.
      { name: 'oci:./Out/App', optional: false },
    ]);
  });
  it('reads every layers setting', () => {
    const config = parseConfig(
      `images:
  - name: site
    repositories: [ghcr.io/acme/site]
    build:
      backend: layers
      context: web
      base: oci:./base:v1
      copy:
        - { from: dist/, to: /srv, mode: "0755", owner: "1000:2000", exclude: ["**/*.map"] }
        - { from: conf/nginx.conf, to: /etc/nginx/nginx.conf, mode: "0o644", owner: 101 }
      entrypoint: [/bin/httpd]
      cmd: [-f, -p, "8080"]
      env: { PORT: 8080, MODE: production }
      workdir: /srv
      user: 1000
      exposedPorts: [8080, "53/udp"]
      labels: { tier: web }
      platform:
        linux/arm64: { runner: ubuntu-24.04-arm }
`,
      'gantry.yml',
    );
    expect(config.images[0]?.build).toEqual({
      backend: 'layers',
      context: 'web',
      base: { kind: 'layout', path: './base', tag: 'v1' },
      copy: [
        { from: 'dist/', to: '/srv', mode: 0o755, owner: { uid: 1000, gid: 2000 }, exclude: ['**/*.map'] },
        { from: 'conf/nginx.conf', to: '/etc/nginx/nginx.conf', mode: 0o644, owner: { uid: 101, gid: 101 }, exclude: [] },
      ],
      entrypoint: ['/bin/httpd'],
      cmd: ['-f', '-p', '8080'],
      env: { PORT: '8080', MODE: 'production' },
      workdir: '/srv',
      user: '1000',
      exposedPorts: ['8080/tcp', '53/udp'],
      labels: { tier: 'web' },
      platform: { 'linux/arm64': { runner: 'ubuntu-24.04-arm' } },
    });
  });

  it.each([
    ['scratch', { kind: 'scratch' }],
    ['oci:/layouts/base', { kind: 'layout', path: '/layouts/base' }],
    ['ghcr.io/acme/base@sha256:' + 'a'.repeat(64), { kind: 'registry', reference: 'ghcr.io/acme/base@sha256:' + 'a'.repeat(64) }],
  ])('layers base %s', (base, expected) => {
    const config = parseConfig(`images: [{name: a, repositories: [ghcr.io/a/a], build: {backend: layers, base: "${base}"}}]`, 'gantry.yml');
    expect(config.images[0]?.build).toMatchObject({ base: expected });
  });

  it('reads flavor in metadata-action text form', () => {
    const config = parseConfig(
      `images:
  - name: a
    repositories: [ghcr.io/a/a]
    flavor: |
      # tags for the alpine variant
      latest=true
      prefix=alpine-,onlatest=true
      suffix=-slim,onlatest=false
`,
      'gantry.yml',
    );
    expect(config.images[0]?.flavor).toEqual({
      latest: 'true',
      prefix: 'alpine-',
      suffix: '-slim',
      prefixOnLatest: true,
      suffixOnLatest: false,
    });
  });

  it('reads the remaining options: gate sizes in bytes, annotations, flavor as a mapping', () => {
    const config = parseConfig(
      `images:
  - name: a
    repositories: [ghcr.io/a/a]
    annotations: { org.example.team: core }
    description: The A image
    vendor: Acme
    documentation: https://docs.acme.dev/a
    gates: { maxSize: 52428800 }
    flavor: { latest: auto, prefix: a-, prefixOnLatest: true, suffixOnLatest: true }
`,
      'gantry.yml',
    );
    const [image] = config.images;
    expect(image).toMatchObject({
      annotations: { 'org.example.team': 'core' },
      description: 'The A image',
      vendor: 'Acme',
      documentation: 'https://docs.acme.dev/a',
      gates: { maxSize: 52_428_800, requiredLabels: [] },
      flavor: { latest: 'auto', prefix: 'a-', suffix: '', prefixOnLatest: true, suffixOnLatest: true },
    });
  });

  it('ignores top-level x- keys and follows anchors, aliases and merge keys', () => {
    const config = parseConfig(
      `x-common: &common
  repositories: [ghcr.io/acme/one]
  platforms: &arm [linux/arm64]
images:
  - <<: *common
    name: one
  - name: two
    repositories: [ghcr.io/acme/two]
    platforms: *arm
`,
      'gantry.yml',
    );
    expect(config.images.map((i) => [i.name, i.platforms])).toEqual([
      ['one', ['linux/arm64']],
      ['two', ['linux/arm64']],
    ]);
  });
});
