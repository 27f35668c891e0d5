import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { parseConfig } from '../../src/plan/config/index.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { planPublish, type BuiltPlatform } from '../../src/plan/publish-plan.js';
import { makePlan } from '../../src/plan/release.js';
import { copyImage } from '../../src/publish/copy.js';
import { requiredLabelsGate, sizeGate } from '../../src/publish/gates.js';
import type { PublishStores } from '../../src/publish/targets.js';
import { publishImages } from '../../src/release/publish-release.js';
import { parseDigest } from '../../src/oci/digest.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { runSkopeo, skopeoInspectRaw } from '../harness/fixtures.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor, fixtureImage, tempDir } from '../support/images.js';

const SHA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const ctx: ReleaseContext = { event: 'release', tag: 'v1.2.3', sha: SHA, commitTime: '2024-05-01T10:00:00Z' };

describe('publish: fan-in, every registry, gates, tags last', () => {
  let staging: TestRegistry;
  let ghcr: TestRegistry;
  let hub: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let records: BuiltPlatform[];

  beforeAll(async () => {
    [staging, ghcr, hub] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' }), startRegistry()]);
    proxy = await startFaultProxy(hub.url);
    const user = ghcr.defaultUser!;
    client = clientFor(undefined, {
      credentials: staticCredentials({ [ghcr.host]: { kind: 'basic', ...user } }),
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 2000 },
    });
    // Two platforms built "on other runners": pushed by digest to a staging repository.
    const img = await fixtureImage({ layers: 2, layerBytes: 400_000 });
    const stage = client.repository(staging.host, 'acme/api');
    records = [];
    for (const m of img.manifests) {
      await copyImage(img.store, m.digest, [{ store: stage }]);
      records.push({
        image: 'api',
        platform: m.platform,
        digest: parseDigest(m.digest),
        size: m.size,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        repository: `${staging.host}/acme/api`,
        revision: SHA,
      });
    }
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await Promise.all([staging?.stop(), ghcr?.stop(), hub?.stop()]);
  });

  const config = (extra = '') =>
    parseConfig(`images:\n  - name: api\n    repositories: [${ghcr.host}/acme/api, ${proxy.host}/acme/api]\n${extra}`, 'gantry.yml');
  const stores = (c = client): PublishStores => ({
    open: async (r) => {
      const [host, ...rest] = r.split('/');
      return c.repository(host!, rest.join('/'));
    },
    hasCredentials: async () => true,
  });

  it('a failing gate moves no tag anywhere', async () => {
    const plan = makePlan(config('    gates: { maxSize: 100kB }\n'), ctx, { existingTags: { api: [] } });
    const err = await publishImages(planPublish(plan, records), stores(), { gates: () => [sizeGate(100_000)] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GATE_REFUSED' });
    expect(String((err as Error).message)).toMatch(/over the budget of 0\.1 MB/);
    expect(await client.repository(ghcr.host, 'acme/api').listTags()).toEqual([]);
    expect(await client.repository(hub.host, 'acme/api').listTags()).toEqual([]);
  });

  it('a missing platform is refused and tags nothing', () => {
    const plan = makePlan(config(), ctx, { existingTags: { api: [] } });
    expect(() => planPublish(plan, records.slice(0, 1))).toThrow(/api linux\/arm64: no build record/);
    expect(() =>
      planPublish(
        plan,
        records.map((r) => ({ ...r, revision: 'b'.repeat(40) })),
      ),
    ).toThrow(/not from this revision/);
  });

  it('a registry that goes down mid-publish: nothing tagged; the rerun finishes without uploading finished blobs again', async () => {
    const plan = makePlan(config(), ctx, { existingTags: { api: [] } });
    const planned = planPublish(plan, records);
    let done = 0;
    let restarting: Promise<void> = Promise.resolve();
    const first = await publishImages(planned, stores(), {
      gates: () => [],
      onCopyEvent: (e) => {
        if (e.type === 'blob-done' && e.how === 'copied' && ++done === 4) {
          // The second registry goes away (a load balancer answers 503) and its process really restarts.
          proxy.inject({ match: {}, times: Infinity, fault: { kind: 'status', status: 503 } });
          restarting = hub.restart();
        }
      },
    }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    // The registry that went down is read only once it is back (its restart may still be under way).
    await restarting;
    expect(await client.repository(hub.host, 'acme/api').listTags()).toEqual([]);
    expect(await client.repository(ghcr.host, 'acme/api').listTags()).toEqual([]);
    // The blobs that had finished: present in the restarted registry.
    const hubRepo = client.repository(hub.host, 'acme/api');
    const stage = client.repository(staging.host, 'acme/api');
    const blobs = [];
    for (const r of records) {
      const m = JSON.parse(Buffer.from((await stage.fetchManifest(r.digest)).bytes).toString()) as {
        config: Descriptor;
        layers: Descriptor[];
      };
      blobs.push(m.config, ...m.layers);
    }
    const finished = [];
    for (const b of blobs) if (await hubRepo.blobExists(b)) finished.push(b.digest);
    expect(finished.length).toBeGreaterThan(0);
    proxy.clear();

    const second = await publishImages(planned, stores(), { gates: () => [requiredLabelsGate(['org.opencontainers.image.title'])] });
    expect(second.changed).toBe(true);
    const uploadedAgain = proxy.requests
      .filter((q) => q.method === 'PUT' && q.url.includes('digest='))
      .map((q) => decodeURIComponent(/digest=([^&]+)/.exec(q.url)![1]!));
    for (const d of finished) expect(uploadedAgain).not.toContain(d);
    const digest = second.images[0]!.digest;
    for (const reg of [ghcr, hub]) {
      const repo = client.repository(reg.host, 'acme/api');
      expect((await repo.listTags()).sort()).toEqual(['1', '1.2', '1.2.3', 'latest', 'sha-aaaaaaa', 'v1.2.3']);
      for (const t of await repo.listTags()) expect((await repo.resolve(t)).digest).toBe(digest);
    }
    const raw = await skopeoInspectRaw(ghcr, 'acme/api:1.2.3', ghcr.defaultUser);
    expect(JSON.parse(raw.stdout)).toMatchObject({ annotations: { 'org.opencontainers.image.version': '1.2.3' } });
    const out = await tempDir();
    await runSkopeo(['copy', '--all', '--src-tls-verify=false', `docker://${hub.host}/acme/api:latest`, `oci:${out}:x`]);

    // A rerun of a finished publish changes nothing.
    const third = await publishImages(planned, stores(), { gates: () => [] });
    expect(third.changed).toBe(false);
    expect(third.images[0]!.repositories.every((r) => r.tags.every((t) => t.how === 'unchanged'))).toBe(true);
  });

  it('tags that point elsewhere move only as the plan says; a backport leaves latest alone', async () => {
    const backport = { ...ctx, tag: 'v1.1.0' };
    const existing = await client.repository(ghcr.host, 'acme/api').listTags();
    const plan = makePlan(config(), backport, { existingTags: { api: existing } });
    const before = (await client.repository(ghcr.host, 'acme/api').resolve('latest')).digest;
    const other = records.map((r) => r); // same platforms, new release: same digests, new annotations → new index
    const r = await publishImages(planPublish(plan, other), stores(), { gates: () => [] });
    const tags = r.images[0]!.repositories[0]!.tags;
    expect(tags.map((t) => t.tag)).not.toContain('latest');
    expect(tags.find((t) => t.tag === '1')).toBeUndefined(); // 1 stays on 1.2.3, the higher release
    expect((await client.repository(ghcr.host, 'acme/api').resolve('latest')).digest).toBe(before);
    expect((await client.repository(ghcr.host, 'acme/api').resolve('1.1.0')).digest).toBe(r.images[0]!.digest);
  });

  it('an optional repository without credentials is skipped with a notice; dry-run touches nothing', async () => {
    const plan = makePlan(
      parseConfig(
        `images:\n  - name: api\n    repositories: [${ghcr.host}/acme/dry, {name: ${hub.host}/acme/opt, optional: true}]\n`,
        'gantry.yml',
      ),
      ctx,
      { existingTags: { api: [] } },
    );
    const lines: string[] = [];
    const r = await publishImages(
      planPublish(plan, records),
      { ...stores(), hasCredentials: async (repo) => !repo.includes('/acme/opt') },
      { gates: () => [], dryRun: true, log: (l) => lines.push(l) },
    );
    expect(r.dryRun).toBe(true);
    expect(r.images[0]!.repositories[1]).toMatchObject({
      repository: `${hub.host}/acme/opt`,
      skipped: expect.stringMatching(/no credentials/),
    });
    expect(r.images[0]!.repositories[0]!.tags.map((t) => t.how)).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'created',
    ]);
    expect(lines.join('\n')).toContain('skipping');
    expect(await client.repository(ghcr.host, 'acme/dry').listTags()).toEqual([]);
  });
});
