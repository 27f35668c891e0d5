// A published version is immutable, and a release is tagged in every registry or in none: against
// two real registries, the second behind the fault proxy (500 on tag PUTs, 405 on deletes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/oci/digest.js';
import { parseConfig } from '../../src/plan/config/index.js';
import { planPublish, type BuiltPlatform } from '../../src/plan/publish-plan.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { makePlan } from '../../src/plan/release.js';
import { copyImage } from '../../src/publish/copy.js';
import { TagsNotMoved } from '../../src/publish/move-tags.js';
import type { PublishStores } from '../../src/publish/targets.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { PublishRefused, publishImages } from '../../src/release/publish-release.js';
import { formatPublishResult, publishSummary } from '../../src/release/report.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor, fixtureImage } from '../support/images.js';

const SHA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const LATER = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const release = (tag: string, sha = SHA, commitTime = '2024-05-01T10:00:00Z'): ReleaseContext => ({
  event: 'release',
  tag,
  sha,
  commitTime,
});

describe('publish: released versions stay put; tags in every registry or none', () => {
  let staging: TestRegistry;
  let first: TestRegistry;
  let second: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let records: BuiltPlatform[];
  let repo = '';
  let n = 0;

  beforeAll(async () => {
    [staging, first, second] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    proxy = await startFaultProxy(second.url);
    client = clientFor(undefined, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 2000 } });
    const img = await fixtureImage({ layers: 1, layerBytes: 50_000 });
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
      } as BuiltPlatform);
    }
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await Promise.all([staging?.stop(), first?.stop(), second?.stop()]);
  });

  const stores: PublishStores = {
    open: async (r) => {
      const [host, ...rest] = r.split('/');
      return client.repository(host!, rest.join('/'));
    },
    hasCredentials: async () => true,
  };
  /** A fresh repository name per test, in both registries (the second reached through the proxy). */
  const fresh = (): void => {
    repo = `acme/api${++n}`;
  };
  const planned = async (ctx: ReleaseContext) => {
    const config = parseConfig(`images:\n  - name: api\n    repositories: [${first.host}/${repo}, ${proxy.host}/${repo}]\n`, 'gantry.yml');
    const existing = await client.repository(first.host, repo).listTags();
    const plan = makePlan(config, ctx, { existingTags: { api: existing } });
    return planPublish(
      plan,
      records.map((r) => ({ ...r, revision: ctx.sha })),
    );
  };
  /** Every tag of the repository in each registry, with the digest it names. */
  const state = async (): Promise<Record<string, Record<string, string>>> => {
    const out: Record<string, Record<string, string>> = {};
    for (const reg of [first, second]) {
      const r = client.repository(reg.host, repo);
      out[reg.host] = {};
      for (const t of await r.listTags().catch(() => [])) out[reg.host]![t] = (await r.resolve(t)).digest;
    }
    return out;
  };

  it('a version published with other content is refused before anything is pushed; --overwrite-release moves it; a same-digest rerun is a no-op', async () => {
    fresh();
    const one = await publishImages(await planned(release('v1.0.0')), stores);
    expect(one.changed).toBe(true);
    const before = await state();
    expect(Object.keys(before[first.host]!).sort()).toEqual(['1', '1.0', '1.0.0', 'latest', 'sha-aaaaaaa', 'v1.0.0']);

    // The same version from a later commit: another index (other revision and time).
    const later = await planned(release('v1.0.0', LATER, '2024-06-01T10:00:00Z'));
    const newDigest = later[0]!.index.descriptor.digest;
    expect(newDigest).not.toBe(one.images[0]!.digest);
    proxy.clear();
    const err = await publishImages(later, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishRefused);
    const refused = err as PublishRefused;
    expect(refused.code).toBe('GATE_REFUSED');
    for (const tag of ['1.0.0', 'v1.0.0']) {
      for (const reg of [first.host, proxy.host]) {
        expect(refused.message).toContain(`${reg}/${repo}:${tag} is ${one.images[0]!.digest}, this release would make it ${newDigest}`);
      }
    }
    expect(refused.message).toContain('--overwrite-release');
    expect(refused.result.refused).toBe(refused.message);
    expect(refused.result.images[0]!.gates).toEqual([expect.objectContaining({ gate: 'released-version', passed: false })]);
    expect(formatPublishResult(refused.result)).toContain('gate released-version: REFUSED');
    // Nothing moved, nothing pushed: every tag as before, the new index in neither registry, no write reached the second.
    expect(await state()).toEqual(before);
    for (const reg of [first, second])
      expect(await client.repository(reg.host, repo).manifestExists(later[0]!.index.descriptor)).toBe(false);
    expect(proxy.requests.filter((q) => q.method !== 'GET' && q.method !== 'HEAD')).toEqual([]);

    // On purpose: the version tags move (and the floating ones with them), reported as overwritten.
    const lines: string[] = [];
    const over = await publishImages(later, stores, { overwriteRelease: true, log: (l) => lines.push(l) });
    expect(over.overwritten.map((c) => `${c.repository}:${c.tag}`).sort()).toEqual(
      [`${first.host}/${repo}:1.0.0`, `${first.host}/${repo}:v1.0.0`, `${proxy.host}/${repo}:1.0.0`, `${proxy.host}/${repo}:v1.0.0`].sort(),
    );
    expect(lines.join('\n')).toContain(`overwriting a published release (--overwrite-release): ${first.host}/${repo}:1.0.0 moves from`);
    expect(publishSummary(over)).toContain('**Overwritten release**');
    const after = await state();
    for (const reg of [first.host, second.host]) {
      expect(after[reg]!['1.0.0']).toBe(newDigest);
      expect(after[reg]!['v1.0.0']).toBe(newDigest);
    }

    // A rerun with the same digest is no refusal and changes nothing.
    const again = await publishImages(later, stores);
    expect(again.changed).toBe(false);
    expect(again.overwritten).toEqual([]);
    expect(again.images[0]!.gates).toEqual([]);
  });

  it('the second run of one release (same commit, another index: a rebuild that is not reproducible) finds it done: nothing moves, exit 0', async () => {
    fresh();
    const one = await publishImages(await planned(release('v2.0.0')), stores);
    const before = await state();
    // Same commit, another index digest (here its created time differs, as a rebuild's layers would).
    const again = await planned(release('v2.0.0', SHA, '2024-05-01T11:00:00Z'));
    expect(again[0]!.index.descriptor.digest).not.toBe(one.images[0]!.digest);
    const lines: string[] = [];
    proxy.clear();
    const second = await publishImages(again, stores, { log: (l) => lines.push(l) });
    expect(second.changed).toBe(false);
    expect(second.images[0]!.digest).toBe(one.images[0]!.digest);
    expect(second.images[0]!.repositories.flatMap((r) => r.tags.map((t) => t.how))).toEqual(Array(12).fill('unchanged'));
    expect(lines).toContainEqual(
      `api: this version is already published from this commit (aaaaaaaaaaaa), at ${one.images[0]!.digest}; nothing to do`,
    );
    expect(await state()).toEqual(before);
    expect(proxy.requests.filter((q) => q.method !== 'GET' && q.method !== 'HEAD')).toEqual([]);

    // Another commit with the same version is still refused: the check is the commit, not the version alone.
    await expect(publishImages(await planned(release('v2.0.0', LATER)), stores)).rejects.toBeInstanceOf(PublishRefused);
    expect(await state()).toEqual(before);
  });

  it('transient 500s on tag PUTs are retried', async () => {
    fresh();
    proxy.clear();
    const fault = proxy.inject({
      match: { method: 'PUT', path: /\/manifests\/[^/:]+$/ },
      times: 2,
      fault: { kind: 'status', status: 500 },
    });
    const r = await publishImages(await planned(release('v3.0.0')), stores);
    expect(fault.hits).toBe(2);
    expect(r.changed).toBe(true);
    expect(Object.keys((await state())[second.host]!)).toHaveLength(6);
  });

  it('a registry that keeps refusing tags: the tags moved in the other are put back, the state of each is reported, a rerun completes', async () => {
    fresh();
    const v1 = await publishImages(await planned(release('v2.0.0')), stores);
    const before = await state();
    const next = await planned(release('v2.1.0', LATER, '2024-06-01T10:00:00Z'));
    expect(next[0]!.tags).toEqual(['2.1.0', 'v2.1.0', '2.1', '2', 'sha-bbbbbbb', 'latest']);

    proxy.clear();
    // Tag PUTs (not by-digest PUTs) to the second registry fail, every time.
    proxy.inject({ match: { method: 'PUT', path: /\/manifests\/[^/:]+$/ }, times: Infinity, fault: { kind: 'status', status: 500 } });
    const lines: string[] = [];
    const err = await publishImages(next, stores, { log: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(err, String(err)).toBeInstanceOf(TagsNotMoved);
    const failed = err as TagsNotMoved;
    expect(failed.code).toBe('TAGS_NOT_MOVED');
    // Both registries exactly as before the publish: moved tags put back, created ones gone.
    expect(await state()).toEqual(before);
    const firstState = failed.states.find((s) => s.repository === `${first.host}/${repo}`)!;
    expect(firstState.summary).toMatch(/^as before publishing: /);
    expect(firstState.tags.find((t) => t.tag === 'latest')).toEqual({
      tag: 'latest',
      digest: v1.images[0]!.digest,
      before: v1.images[0]!.digest,
    });
    expect(firstState.tags.find((t) => t.tag === '2.1.0')).toEqual({ tag: '2.1.0' });
    expect(failed.message).toContain(`${proxy.host}/${repo}:2.1.0`);
    expect(failed.message).toContain('run the publish again');
    // distribution 2.8 deletes no tag by name: the rollback said how it removed the created tags.
    expect(lines.join('\n')).toMatch(/rollback: .*latest back at sha256:/);
    expect(lines.join('\n')).toMatch(/the registry deletes no tag by name, so the new index sha256:\w+ was deleted/);

    proxy.clear();
    const rerun = await publishImages(next, stores);
    expect(rerun.changed).toBe(true);
    const after = await state();
    for (const reg of [first.host, second.host]) {
      expect(Object.keys(after[reg]!).sort()).toEqual([
        '2',
        '2.0',
        '2.0.0',
        '2.1',
        '2.1.0',
        'latest',
        'sha-aaaaaaa',
        'sha-bbbbbbb',
        'v2.0.0',
        'v2.1.0',
      ]);
      expect(after[reg]!['latest']).toBe(rerun.images[0]!.digest);
    }
  });

  it('a registry that deletes nothing: moved tags are put back, created ones are reported as left in place', async () => {
    fresh();
    await publishImages(await planned(release('v4.0.0')), stores);
    const before = await state();
    const next = await planned(release('v4.1.0', LATER, '2024-06-01T10:00:00Z'));
    // The second registry refuses every delete (as distribution does without storage.delete.enabled); the
    // first, through a proxy of its own, refuses the last tag, latest.
    proxy.clear();
    proxy.inject({
      match: { method: 'DELETE' },
      times: Infinity,
      fault: {
        kind: 'status',
        status: 405,
        body: JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] }),
      },
    });
    const firstProxy = await startFaultProxy(first.url);
    try {
      firstProxy.inject({
        match: { method: 'PUT', path: /\/manifests\/latest$/ },
        times: Infinity,
        fault: { kind: 'status', status: 500 },
      });
      const swapped = next.map((p) => ({ ...p, repositories: [`${firstProxy.host}/${repo}`, `${proxy.host}/${repo}`] }));
      const err = await publishImages(swapped, stores).catch((e: unknown) => e);
      expect(err, String(err)).toBeInstanceOf(TagsNotMoved);
      const failed = err as TagsNotMoved;
      const s = failed.states.find((x) => x.repository === `${proxy.host}/${repo}`)!;
      expect(s.summary).toMatch(/^NOT as before publishing: /);
      expect(s.problems.join('\n')).toMatch(/4\.1\.0.*left in place: the registry deletes neither the tag .*UNSUPPORTED.* nor the index/);
      const after = await state();
      // Moved tags back where they were in both; the created ones left only where nothing can be deleted.
      expect(after[second.host]!['4']).toBe(before[second.host]!['4']);
      expect(after[second.host]!['latest']).toBe(before[second.host]!['latest']);
      expect(after[second.host]!['4.1.0']).toBe(next[0]!.index.descriptor.digest);
      expect(after[first.host]).toEqual(before[first.host]);
    } finally {
      await firstProxy.close();
    }
  });
});
