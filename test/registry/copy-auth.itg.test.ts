import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openLayout } from '../../src/layout/index.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { copyImage } from '../../src/publish/copy.js';
import { RegistryClient } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { runSkopeo, skopeoInspectRaw } from '../harness/fixtures.js';
import { startRegistry, type RegistryAuthMode, type TestRegistry } from '../harness/registry.js';
import { clientFor, fixtureImage, tempDir } from '../support/images.js';

// The real CNCF distribution registry, in each of its auth modes: a multi-arch image goes
// layout → registry → registry → layout with the index digest unchanged, and skopeo reads it.
describe.each<RegistryAuthMode>(['none', 'htpasswd', 'token'])('copy with auth mode %s', (mode) => {
  let a: TestRegistry;
  let b: TestRegistry;
  let client: RegistryClient;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  beforeAll(async () => {
    [a, b, img] = await Promise.all([
      startRegistry({ auth: mode }),
      startRegistry({ auth: mode }),
      fixtureImage({ layers: 3, layerBytes: 200_000 }),
    ]);
    const creds = Object.fromEntries(
      [a, b].flatMap((r) => (r.defaultUser ? [[r.host, { kind: 'basic' as const, ...r.defaultUser }]] : [])),
    );
    client = new RegistryClient({ credentials: staticCredentials(creds) });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const skopeoCreds = (r: TestRegistry) => (r.defaultUser ? r.defaultUser : undefined);

  it('layout → registry keeps the index digest, and skopeo reads it', async () => {
    const dst = client.repository(a.host, 'team/app');
    const r = await copyImage(img.store, 'v1', [{ store: dst, tag: 'v1' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const raw = await skopeoInspectRaw(a, 'team/app:v1', skopeoCreds(a));
    expect(raw.stdoutBytes.equals(Buffer.from((await img.store.fetchManifest('v1')).bytes))).toBe(true);
    expect(await dst.listTags()).toEqual(['v1']);
  });

  it('registry → registry (another instance) keeps the digest; skopeo copy --all reads it back', async () => {
    const src = client.repository(a.host, 'team/app');
    const dst = client.repository(b.host, 'mirror/app');
    const r = await copyImage(src, 'v1', [{ store: dst, tag: '1.0.0' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
    expect(r.bytesTransferred).toBeGreaterThan(1_000_000);
    const out = await tempDir();
    const creds = skopeoCreds(b);
    await runSkopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      ...(creds ? ['--src-creds', `${creds.username}:${creds.password}`] : []),
      `docker://${b.host}/mirror/app:1.0.0`,
      `oci:${out}:back`,
    ]);
    const back = await openLayout(out);
    expect((await back.resolve('back')).digest).toBe(img.indexDigest);
  });

  it('a second copy transfers nothing', async () => {
    const r = await copyImage(client.repository(a.host, 'team/app'), 'v1', [
      { store: client.repository(b.host, 'mirror/app'), tag: '1.0.0' },
    ]);
    expect(r.bytesTransferred).toBe(0);
  });

  it('within one registry blobs are mounted, not uploaded', async () => {
    const r = await copyImage(client.repository(a.host, 'team/app'), 'v1', [{ store: client.repository(a.host, 'team/other'), tag: 'v1' }]);
    expect(r.blobs.mounted).toBe(img.manifests.length * 4);
    expect(r.bytesTransferred).toBe(0);
  });

  it('registry → layout keeps the digest and umoci-compatible layout is written', async () => {
    const out = await tempDir();
    const dst = await openLayout(out, { create: true });
    const r = await copyImage(client.repository(b.host, 'mirror/app'), '1.0.0', [{ store: dst, tag: 'v1' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
    const raw = await runSkopeo(['inspect', '--raw', `oci:${out}:v1`]);
    expect(parseManifest(raw.stdoutBytes).mediaType).toBe('application/vnd.oci.image.index.v1+json');
    await runSkopeo(['copy', '--all', `oci:${out}:v1`, `oci:${join(out, 'again')}:v1`]);
  });

  it('a subset of platforms makes a new index with only those', async () => {
    const r = await copyImage(
      client.repository(a.host, 'team/app'),
      'v1',
      [{ store: client.repository(b.host, 'mirror/arm'), tag: 'arm' }],
      {
        platforms: [{ os: 'linux', architecture: 'arm64' }],
      },
    );
    expect(r.descriptor.digest).not.toBe(img.indexDigest);
    expect(r.platforms).toEqual(['linux/arm64']);
    const creds = skopeoCreds(b);
    const raw = JSON.parse((await skopeoInspectRaw(b, 'mirror/arm:arm', creds)).stdout) as {
      manifests: { platform: { architecture: string } }[];
    };
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['arm64']);
  });
});

describe('authentication failures', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token', users: { alice: 'right', reader: 'reader-pw' }, readOnlyUsers: ['reader'] });
  });
  afterAll(async () => reg?.stop());

  it('wrong credentials: a clear user error naming the registry, never the password', async () => {
    const client = new RegistryClient({
      credentials: staticCredentials({ [reg.host]: { kind: 'basic', username: 'alice', password: 'wrong-pass-123' } }),
    });
    const img = await fixtureImage();
    const err = await copyImage(img.store, 'v1', [{ store: client.repository(reg.host, 'app'), tag: 'v1' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_AUTH', userError: true });
    expect(String((err as Error).message)).toContain(reg.host);
    expect(String((err as Error).message)).not.toContain('wrong-pass-123');
    await client.close();
  });

  it('a pull-only user cannot push: refused, nothing tagged', async () => {
    const client = clientFor(undefined, {
      credentials: staticCredentials({ [reg.host]: { kind: 'basic', username: 'reader', password: 'reader-pw' } }),
    });
    const img = await fixtureImage();
    const err = await copyImage(img.store, 'v1', [{ store: client.repository(reg.host, 'app'), tag: 'v1' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_HTTP', userError: true });
    expect([401, 403]).toContain((err as { status: number }).status);
    const pushes = reg.tokenServer!.requests.filter((r) => r.scopes.some((s) => s.includes('push')));
    expect(pushes.length).toBeGreaterThan(0);
    const admin = clientFor(reg);
    expect(await admin.repository(reg.host, 'app').listTags()).toEqual([]);
    await Promise.all([client.close(), admin.close()]);
  });

  it('anonymous access to a registry that needs credentials says how to log in', async () => {
    const client = clientFor(undefined);
    const err = await client
      .repository(reg.host, 'app')
      .listTags()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ userError: true });
    expect(String((err as Error).message)).toMatch(/docker login|--username/);
    await client.close();
  });
});
