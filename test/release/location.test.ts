import { describe, expect, it, vi } from 'vitest';
import { destinationTag } from '../../src/release/images.js';
import { type Location, locationReference, parseLocation } from '../../src/release/location.js';

const D = `sha256:${'a'.repeat(64)}`;
const D2 = `sha512:${'b'.repeat(128)}`;

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('parseLocation: OCI layouts', () => {
  it('oci:DIR names a layout without a reference', () => {
    expect(parseLocation('oci:./out')).toEqual({ kind: 'layout', path: './out', text: 'oci:./out' });
    expect(parseLocation('oci:/abs/dir')).toMatchObject({ kind: 'layout', path: '/abs/dir' });
    expect('ref' in parseLocation('oci:./out')).toBe(false);
  });

  it('oci:DIR:TAG names a tag; the directory ends at the first ":"', () => {
    expect(parseLocation('oci:./out:v1')).toEqual({ kind: 'layout', path: './out', ref: 'v1', text: 'oci:./out:v1' });
    expect(parseLocation('oci:dir:a:b')).toMatchObject({ path: 'dir', ref: 'a:b' });
  });

  it('oci:DIR@DIGEST names a digest', () => {
    expect(parseLocation(`oci:./out@${D}`)).toEqual({ kind: 'layout', path: './out', ref: D, text: `oci:./out@${D}` });
    expect(parseLocation(`oci:dir@${D2}`)).toMatchObject({ path: 'dir', ref: D2 });
  });

  it('keeps an "@" that is not followed by a digest in the path', () => {
    expect(parseLocation('oci:./a@b')).toMatchObject({ kind: 'layout', path: './a@b' });
  });

  it('refuses oci: without a directory', () => {
    expect(thrown(() => parseLocation('oci:'))).toMatchObject({ code: 'LOCATION_INVALID', userError: true });
  });

  it('refuses an empty tag after ":"', () => {
    expect(thrown(() => parseLocation('oci:dir:'))).toMatchObject({ code: 'LOCATION_INVALID', userError: true });
  });
});

describe('parseLocation: registries', () => {
  it('reads docker://host/repo:tag', () => {
    const l = parseLocation('docker://ghcr.io/org/app:v1');
    expect(l).toMatchObject({ kind: 'registry', explicitRef: true, text: 'docker://ghcr.io/org/app:v1' });
    if (l.kind !== 'registry') throw new Error('not a registry location');
    expect(l.ref).toEqual({ registry: 'ghcr.io', repository: 'org/app', tag: 'v1' });
  });

  it('reads plain references, normalizing Docker Hub names', () => {
    const l = parseLocation('alpine');
    expect(l).toMatchObject({ kind: 'registry', explicitRef: false, text: 'alpine' });
    if (l.kind !== 'registry') throw new Error('not a registry location');
    expect(l.ref).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseLocation('localhost:5000/app:1')).toMatchObject({
      kind: 'registry',
      explicitRef: true,
      ref: { registry: 'localhost:5000', repository: 'app', tag: '1' },
    });
  });

  it('reads a digest reference', () => {
    const l = parseLocation(`reg.example/app@${D}`);
    expect(l).toMatchObject({ kind: 'registry', explicitRef: true, ref: { registry: 'reg.example', repository: 'app', digest: D } });
  });

  it('throws a REFERENCE_INVALID user error for an invalid reference', () => {
    for (const bad of ['Upper/Case', 'docker://', 'app:', 'app@sha256:xyz', 'a//b']) {
      expect(
        thrown(() => parseLocation(bad)),
        bad,
      ).toMatchObject({ code: 'REFERENCE_INVALID', userError: true });
    }
  });

  it('locationReference gives the tag, digest or latest', () => {
    expect(locationReference(parseLocation('alpine'))).toBe('latest');
    expect(locationReference(parseLocation('alpine:3'))).toBe('3');
    expect(locationReference(parseLocation(`alpine:3@${D}`))).toBe(D);
    expect(locationReference(parseLocation('oci:dir'))).toBeUndefined();
    expect(locationReference(parseLocation('oci:dir:v2'))).toBe('v2');
  });
});

describe('destinationTag', () => {
  const tag = (from: string, to: string) => destinationTag(parseLocation(from), parseLocation(to));

  it('uses the tag the destination names', () => {
    expect(tag('reg.example/app:v1', 'other.example/app:v2')).toBe('v2');
    expect(tag(`reg.example/app@${D}`, 'other.example/app:v2')).toBe('v2');
    expect(tag('oci:src', 'other.example/app:stable')).toBe('stable');
  });

  it('gives no tag when the destination names a digest', () => {
    expect(tag('reg.example/app:v1', `other.example/app@${D}`)).toBeUndefined();
    expect(tag('reg.example/app:v1', `other.example/app:v2@${D}`)).toBeUndefined();
    expect(tag('reg.example/app:v1', `oci:out@${D}`)).toBeUndefined();
  });

  it("uses the source's tag when the destination names nothing", () => {
    expect(tag('reg.example/app:v1', 'other.example/app')).toBe('v1');
    expect(tag('reg.example/app:v1', 'oci:out')).toBe('v1');
    expect(tag('oci:src:v3', 'other.example/app')).toBe('v3');
  });

  it('gives no tag when the source is read by digest and the destination names nothing', () => {
    expect(tag(`reg.example/app@${D}`, 'other.example/app')).toBeUndefined();
    expect(tag(`reg.example/app:v1@${D}`, 'oci:out')).toBeUndefined();
    expect(tag(`oci:src@${D}`, 'oci:out')).toBeUndefined();
  });

  it('uses latest for a registry source without a tag', () => {
    expect(tag('reg.example/app', 'oci:out')).toBe('latest');
    expect(tag('alpine', 'other.example/alpine')).toBe('latest');
  });

  it('gives no tag for a layout source without a reference and a destination naming none', () => {
    expect(tag('oci:src', 'oci:out')).toBeUndefined();
  });

  it('uses the tag of a layout destination', () => {
    expect(tag('reg.example/app:v1', 'oci:out:release')).toBe('release');
    expect(tag(`reg.example/app@${D}`, 'oci:out:release')).toBe('release');
  });

  it('accepts hand-made locations', () => {
    const from: Location = { kind: 'layout', path: 'src', ref: 'v9', text: 'oci:src:v9' };
    const to: Location = { kind: 'layout', path: 'dst', text: 'oci:dst' };
    expect(destinationTag(from, to)).toBe('v9');
  });
});

describe('importing the release library', () => {
  it('has no side effects on the process', async () => {
    const listeners = () => process.eventNames().map((n) => [String(n), process.listenerCount(n)]);
    const before = { exitCode: process.exitCode, listeners: listeners(), argv: [...process.argv] };
    const writes: string[] = [];
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (writes.push(String(s)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (writes.push(String(s)), true));
    try {
      // Evaluate the module graph afresh, not the copy the static import above loaded.
      vi.resetModules();
      const m = await import('../../src/release/index.js');
      await new Promise((r) => setTimeout(r, 20));
      expect(Object.keys(m)).toContain('publishRelease');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(writes).toEqual([]);
    expect(process.exitCode).toBe(before.exitCode);
    expect(process.argv).toEqual(before.argv);
    expect(listeners()).toEqual(before.listeners);
  });
});
