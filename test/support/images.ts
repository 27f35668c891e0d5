import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLayout } from '../../src/layout/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { ManifestBytes } from '../../src/oci/store.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { removeOnExit } from '../harness/children.js';
import { writeTestImageLayout, type TestImageLayout, type TestImageOptions } from '../harness/fixtures.js';
import type { TestRegistry } from '../harness/registry.js';

/** A fresh temp dir removed when the test process exits. */
export async function tempDir(prefix = 'gantry-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  removeOnExit(d);
  return d;
}

/** A multi-arch fixture image in an OCI layout (written by the neutral fixture writer, not by gantry). */
export async function fixtureImage(
  opts: TestImageOptions = {},
): Promise<TestImageLayout & { store: Awaited<ReturnType<typeof openLayout>> }> {
  const dir = await tempDir('gantry-fixture-');
  const img = await writeTestImageLayout(dir, { tag: 'v1', ...opts });
  return { ...img, store: await openLayout(dir) };
}

/**
 * A registry client with the test registry's default user and fast retries. Its timeouts leave
 * room for a loaded machine; tests of timeouts pass their own.
 */
export function clientFor(reg: TestRegistry | undefined, extra: RegistryClientOptions = {}): RegistryClient {
  const user = reg?.defaultUser;
  return new RegistryClient({
    credentials: staticCredentials(user && reg ? { [reg.host]: { kind: 'basic', ...user } } : {}),
    retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 500, maxElapsedMs: 30_000 },
    bodyTimeoutMs: 30_000,
    headersTimeoutMs: 30_000,
    ...extra,
  });
}

/** An artifact manifest (e.g. a signature) whose subject is `subject`. */
export function artifactManifest(subject: Descriptor, artifactType: string, layer: Descriptor): ManifestBytes {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType,
      config: { mediaType: MediaType.OciEmpty, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    }),
  );
  return { descriptor: { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length }, bytes };
}

export function blobOf(content: string, mediaType = 'application/octet-stream'): { descriptor: Descriptor; bytes: Uint8Array } {
  const bytes = Buffer.from(content);
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes };
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export async function removeDir(d: string): Promise<void> {
  await rm(d, { recursive: true, force: true });
}
