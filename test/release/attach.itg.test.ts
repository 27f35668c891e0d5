// The attach door of publishRelease's pipeline, against real registries: a step sees each image
// after its content is confirmed in every repository and before any tag; what it pushes is there
// when the tags move; a failing step moves no tag anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { parseConfig } from '../../src/plan/config/index.js';
import { planPublish, type BuiltPlatform } from '../../src/plan/publish-plan.js';
import { makePlan } from '../../src/plan/release.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { copyImage } from '../../src/publish/copy.js';
import type { PublishStores } from '../../src/publish/targets.js';
import type { Attachment, AttachStep, AttachSubject } from '../../src/release/attach.js';
import { ReleaseError } from '../../src/release/errors.js';
import { publishImages } from '../../src/release/publish-release.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { artifactManifest, blobOf, clientFor, fixtureImage } from '../support/images.js';

const SHA = 'a'.repeat(40);
const ctx: ReleaseContext = {
  event: 'release',
  sha: SHA,
  ref: 'refs/tags/v1.0.0',
  tag: 'v1.0.0',
  defaultBranch: 'main',
  commitTime: '2024-05-01T10:00:00Z',
};
const NOTE_TYPE = 'application/vnd.gantry.test.note.v1+json';

/** An attach step that records what it saw (the tags at that moment) and pushes a referrer of the index to every repository. */
function noteStep(seen: { image: string; tagsAtAttach: string[][]; dryRun: boolean }[], fail?: string): AttachStep {
  return {
    name: 'note',
    async attach(subject: AttachSubject, c): Promise<Attachment[]> {
      seen.push({
        image: subject.image,
        tagsAtAttach: await Promise.all(subject.repositories.map((r) => r.store.listTags())),
        dryRun: c.dryRun,
      });
      if (fail !== undefined) throw new Error(fail);
      const note = blobOf(JSON.stringify({ image: subject.image, index: subject.index.digest }), 'application/json');
      const manifest = artifactManifest(subject.index, NOTE_TYPE, note.descriptor);
      if (!c.dryRun) {
        const empty = blobOf('{}', MediaType.OciEmpty);
        for (const r of subject.repositories) {
          await r.store.pushBlob(empty.descriptor, empty.bytes);
          await r.store.pushBlob(note.descriptor, note.bytes);
          await r.store.pushManifest(manifest);
        }
      }
      return [
        {
          step: 'note',
          descriptor: manifest.descriptor,
          subject: subject.index,
          artifactType: NOTE_TYPE,
          repositories: subject.repositories.map((r) => r.repository),
          pushed: !c.dryRun,
        },
      ];
    },
  };
}

describe('publishImages: the attach door, before the tags', () => {
  let staging: TestRegistry;
  let a: TestRegistry;
  let b: TestRegistry;
  let client: RegistryClient;
  let records: BuiltPlatform[];

  beforeAll(async () => {
    [staging, a, b] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    client = clientFor(undefined);
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
        mediaType: MediaType.OciManifest,
        repository: `${staging.host}/acme/api`,
        revision: SHA,
      });
    }
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([staging?.stop(), a?.stop(), b?.stop()]);
  });

  const planned = (repo: string) => {
    const config = parseConfig(
      `images:\n  - name: api\n    repositories: [${a.host}/${repo}, ${b.host}/${repo}]\n    platforms: [linux/amd64, linux/arm64]\n`,
      'gantry.yml',
    );
    return planPublish(makePlan(config, ctx, { existingTags: { api: [] } }), records);
  };
  const stores: PublishStores = {
    open: async (r) => {
      const [host, ...rest] = r.split('/');
      return client.repository(host!, rest.join('/'));
    },
    hasCredentials: async () => true,
  };

  it('a step runs once per image after the content is everywhere and before any tag; its referrer is there when the tags are', async () => {
    const seen: { image: string; tagsAtAttach: string[][]; dryRun: boolean }[] = [];
    const plans = planned('acme/one');
    const result = await publishImages(plans, stores, { attach: [noteStep(seen)] });
    expect(seen).toEqual([{ image: 'api', tagsAtAttach: [[], []], dryRun: false }]);
    const index = plans[0]!.index.descriptor;
    expect(result.attachments).toEqual([
      expect.objectContaining({
        step: 'note',
        subject: index,
        artifactType: NOTE_TYPE,
        repositories: [`${a.host}/acme/one`, `${b.host}/acme/one`],
        pushed: true,
      }),
    ]);
    expect(result.changed).toBe(true);
    for (const host of [a.host, b.host]) {
      const repo = client.repository(host, 'acme/one');
      expect(await repo.listTags()).toEqual(expect.arrayContaining(['1.0.0', 'latest']));
      const referrers = await repo.referrers(index.digest);
      expect(referrers.map((r) => r.digest)).toEqual([result.attachments[0]!.descriptor.digest]);
    }
  });

  it('a failing step moves no tag in any repository, and says which step failed for which image', async () => {
    const seen: { image: string; tagsAtAttach: string[][]; dryRun: boolean }[] = [];
    const err = await publishImages(planned('acme/two'), stores, { attach: [noteStep(seen, 'the signing key is locked')] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReleaseError);
    expect(err).toMatchObject({
      code: 'ATTACH_FAILED',
      message: 'api: attach step note failed, so no tag moved: the signing key is locked',
    });
    expect(seen).toHaveLength(1);
    for (const host of [a.host, b.host]) expect(await client.repository(host, 'acme/two').listTags()).toEqual([]);
  });

  it('a dry run asks the steps what they would attach, and pushes nothing', async () => {
    const seen: { image: string; tagsAtAttach: string[][]; dryRun: boolean }[] = [];
    const plans = planned('acme/three');
    const result = await publishImages(plans, stores, { attach: [noteStep(seen)], dryRun: true });
    expect(seen.map((s) => s.dryRun)).toEqual([true]);
    expect(result.attachments.map((x) => x.pushed)).toEqual([false]);
    expect(await client.repository(a.host, 'acme/three').referrers(plans[0]!.index.descriptor.digest)).toEqual([]);
  });
});
