import { describe, expect, it } from 'vitest';
import { OciError } from '../../src/oci/errors.js';
import { configPlatform, parseImageConfig } from '../../src/oci/manifest.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const minimal = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D1] } };

function configError(body: unknown): OciError {
  try {
    parseImageConfig(bytes(body));
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return e as OciError;
  }
  throw new Error('expected the config to be refused');
}

describe('parseImageConfig', () => {
  it('accepts a minimal config and the attestation config BuildKit writes', () => {
    expect(parseImageConfig(bytes(minimal))).toEqual(minimal);
    const attestation = { architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
    expect(parseImageConfig(bytes(attestation))).toEqual(attestation);
  });

  it('accepts a full Docker config, with nulls where Docker writes them', () => {
    const full = {
      ...minimal,
      variant: 'v8',
      'os.version': '10.0',
      'os.features': ['win32k'],
      created: '2024-01-01T00:00:00Z',
      author: 'me',
      config: {
        User: '1000',
        Env: ['PATH=/bin'],
        Entrypoint: null,
        Cmd: ['/bin/sh'],
        WorkingDir: '/',
        Labels: { 'org.opencontainers.image.source': 'https://example.com' },
        ExposedPorts: { '80/tcp': {} },
        Volumes: null,
        StopSignal: 'SIGTERM',
        ArgsEscaped: true,
        OnBuild: null,
      },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'RUN x', comment: 'c', author: 'a', empty_layer: true }],
      container_config: { unknown: 'kept' },
    };
    expect(parseImageConfig(bytes(full))).toEqual(full);
    expect(parseImageConfig(bytes({ ...minimal, config: null }))).toEqual({ ...minimal, config: null });
    expect(parseImageConfig(bytes({ ...minimal, config: { Labels: null, Env: null } }))).toBeDefined();
  });

  it('lists every problem with its path', () => {
    const e = configError({ os: 5, rootfs: { type: 'layers', diff_ids: ['sha256:x'] } });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(
      'invalid image config: architecture: required string is missing; os: expected a string; rootfs.diff_ids[0]: invalid digest "sha256:x"',
    );
  });

  // prettier-ignore
  const cases: [name: string, body: unknown, says: string[]][] = [
    ['no rootfs', { architecture: 'a', os: 'o' }, ['rootfs: required object is missing']],
    ['rootfs not an object', { ...minimal, rootfs: [] }, ['rootfs: expected an object']],
    ['rootfs type', { ...minimal, rootfs: { type: 'x', diff_ids: [] } }, ['rootfs.type: expected "layers"']],
    ['diff_ids missing', { ...minimal, rootfs: { type: 'layers' } }, ['rootfs.diff_ids: expected an array of digests']],
    ['top-level fields', { ...minimal, variant: 1, 'os.version': 2, 'os.features': 'x', created: 3, author: 4 },
      ['variant: expected a string', 'os.version: expected a string', 'os.features: expected an array of strings', 'created: expected a string', 'author: expected a string']],
    ['config not an object', { ...minimal, config: 'x' }, ['config: expected an object']],
    ['config fields', { ...minimal, config: { User: 1, Env: 'A=B', Cmd: [1], Labels: { a: 1 }, ExposedPorts: [], Volumes: 'v', ArgsEscaped: 'yes' } },
      ['config.User: expected a string', 'config.Env: expected an array of strings', 'config.Cmd[0]: expected a string',
       'config.Labels["a"]: expected a string', 'config.ExposedPorts: expected an object', 'config.Volumes: expected an object',
       'config.ArgsEscaped: expected a boolean']],
    ['history not an array', { ...minimal, history: {} }, ['history: expected an array']],
    ['history entries', { ...minimal, history: [1, { created_by: 2, empty_layer: 'no' }] },
      ['history[0]: expected an object', 'history[1].created_by: expected a string', 'history[1].empty_layer: expected a boolean']],
  ];
  it.each(cases)('refuses %s', (_name, body, says) => {
    const e = configError(body);
    expect(e.code).toBe('CONFIG_INVALID');
    for (const s of says) expect(e.message).toContain(s);
  });

  it('refuses what is not a JSON object', () => {
    expect(configError('"x"').message).toBe('invalid image config: expected a JSON object');
    expect(configError('{').message).toContain('invalid image config: not valid UTF-8 JSON');
  });
});

describe('configPlatform', () => {
  it('takes the platform fields of a config', () => {
    const c = parseImageConfig(bytes({ ...minimal, architecture: 'arm64', variant: 'v8' }));
    expect(configPlatform(c)).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    const w = parseImageConfig(bytes({ ...minimal, os: 'windows', 'os.version': '10.0.1', 'os.features': ['win32k'] }));
    expect(configPlatform(w)).toEqual({ architecture: 'amd64', os: 'windows', 'os.version': '10.0.1', 'os.features': ['win32k'] });
  });
});
