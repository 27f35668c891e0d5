import { describe, expect, it } from 'vitest';
import { buildImageConfig, mergeEnv } from '../../../src/builders/layers/config.js';
import type { Digest } from '../../../src/oci/digest.js';
import type { ImageConfig } from '../../../src/oci/manifest.js';
import type { LayersBuildSpec } from '../../../src/plan/config/index.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;

const spec = (o: Partial<LayersBuildSpec> = {}): LayersBuildSpec => ({
  backend: 'layers',
  context: '.',
  base: { kind: 'scratch' },
  copy: [],
  env: {},
  exposedPorts: [],
  labels: {},
  platform: {},
  ...o,
});

// A Docker-written base config: extra fields, nulls, history.
const dockerBase = {
  architecture: 'amd64',
  os: 'linux',
  created: '2020-01-01T00:00:00Z',
  docker_version: '20.10',
  config: {
    User: 'app',
    Env: ['PATH=/usr/bin', 'LANG=C'],
    Cmd: ['node'],
    Entrypoint: null,
    WorkingDir: '/srv',
    Labels: { maintainer: 'x', 'com.acme.team': 'base' },
    Volumes: { '/data': {} },
    Healthcheck: { Test: ['CMD', 'true'] },
    OnBuild: null,
    StopSignal: 'SIGTERM',
  },
  rootfs: { type: 'layers', diff_ids: [D('a')] },
  history: [{ created: '2020-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file', empty_layer: false }],
} as unknown as ImageConfig;

describe('image config', () => {
  it('merges env by name: base order kept, ours replace in place, new ones appended', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1', 'NOVALUE'], { A: '2', Z: 'z', PATH: '/x' })).toEqual(['PATH=/x', 'A=2', 'NOVALUE', 'Z=z']);
  });

  it('keeps the base settings that are not overridden, and Docker extras, in a fixed key order', () => {
    const { config, bytes } = buildImageConfig({
      base: dockerBase,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      build: spec({
        cmd: ['node', 'server.js'],
        env: { NODE_ENV: 'production' },
        exposedPorts: ['8080/tcp'],
        labels: { 'com.acme.team': 'web' },
      }),
      planLabels: { 'org.opencontainers.image.version': '1.0.0' },
      layers: [{ diffId: D('b'), createdBy: 'gantry layers: COPY dist/ /srv' }],
      created: '2024-01-02T03:04:05Z',
    });
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(config);
    expect(Object.keys(config)).toEqual(['created', 'architecture', 'os', 'variant', 'config', 'rootfs', 'history']);
    expect(config.config).toEqual({
      User: 'app',
      ExposedPorts: { '8080/tcp': {} },
      Env: ['PATH=/usr/bin', 'LANG=C', 'NODE_ENV=production'],
      Cmd: ['node', 'server.js'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { 'com.acme.team': 'web', maintainer: 'x', 'org.opencontainers.image.version': '1.0.0' },
      StopSignal: 'SIGTERM',
      Healthcheck: { Test: ['CMD', 'true'] },
    });
    expect(Object.keys(config.config ?? {})).toEqual([
      'User',
      'ExposedPorts',
      'Env',
      'Cmd',
      'Volumes',
      'WorkingDir',
      'Labels',
      'StopSignal',
      'Healthcheck',
    ]);
    expect(config.rootfs.diff_ids).toEqual([D('a'), D('b')]);
    expect(config.history).toEqual([
      { created: '2020-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file' },
      { created: '2024-01-02T03:04:05Z', created_by: 'gantry layers: COPY dist/ /srv' },
    ]);
    expect(config).not.toHaveProperty('docker_version');
  });

  it('a new entrypoint drops the base Cmd unless cmd is given; user and workdir override', () => {
    const { config } = buildImageConfig({
      base: dockerBase,
      platform: { os: 'linux', architecture: 'amd64' },
      build: spec({ entrypoint: ['/app/run'], user: '1000:1000', workdir: '/app' }),
      planLabels: {},
      layers: [],
      created: '2024-01-02T03:04:05Z',
    });
    expect(config.config).toMatchObject({ Entrypoint: ['/app/run'], User: '1000:1000', WorkingDir: '/app' });
    expect(config.config).not.toHaveProperty('Cmd');
  });

  it('scratch: only what the build sets', () => {
    const { config } = buildImageConfig({
      base: undefined,
      platform: { os: 'linux', architecture: 'amd64' },
      build: spec({ cmd: ['/hello'] }),
      planLabels: {},
      layers: [{ diffId: D('c'), createdBy: 'gantry layers: COPY hello /hello' }],
      created: '2024-01-02T03:04:05Z',
    });
    expect(config).toEqual({
      created: '2024-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [D('c')] },
      history: [{ created: '2024-01-02T03:04:05Z', created_by: 'gantry layers: COPY hello /hello' }],
    });
  });
});
