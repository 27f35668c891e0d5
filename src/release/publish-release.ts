// publishRelease: the release's last mile, one visible pipeline:
//   collect records → completeness → gates → content to every repository → attach → tags last → summary
// A refusal or failure at any step before the tags leaves every tag where it was; a rerun skips
// what is already there, so a publish that stopped half-way finishes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DigestRecord } from '../plan/digest-record.js';
import { planPublish, type ImagePublishPlan } from '../plan/publish-plan.js';
import { pushContent } from '../publish/content.js';
import type { CopyEventListener } from '../publish/copy-events.js';
import { gatesOf, refuseIfAnyGateFailed, runGates, type Gate } from '../publish/gates.js';
import { moveTags, type ImageResult } from '../publish/move-tags.js';
import { liveTargets, resolveTargets, type ImageWork, type PublishStores } from '../publish/targets.js';
import { attachSubject, runAttachSteps, type Attachment, type AttachStep } from './attach.js';
import { buildPlatforms } from './build-platforms.js';
import { hostsOf, withConnection } from './connection.js';
import { parseLocation, type Location } from './location.js';
import type { Release, ReleaseOptions } from './plan-release.js';
import { readRecords } from './record-files.js';

export interface PublishResult {
  readonly images: readonly ImageResult[];
  /** What the attach steps attached (empty when there are none). */
  readonly attachments: readonly Attachment[];
  /** False when a rerun found everything already published. */
  readonly changed: boolean;
  readonly dryRun: boolean;
}

/** How the images are published, once their platforms are built. */
export interface PublishImagesOptions {
  /** The gates of an image (default: none). */
  readonly gates?: ((image: string) => readonly Gate[]) | undefined;
  /** Steps that attach signatures, SBOMs, provenance before the tags move (default: none). */
  readonly attach?: readonly AttachStep[] | undefined;
  readonly dryRun?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly onCopyEvent?: CopyEventListener | undefined;
}

/** What publishRelease takes beyond the release's own options. */
export interface PublishReleaseOptions extends ReleaseOptions, Omit<PublishImagesOptions, 'gates' | 'log'> {
  /** Digest records written by `gantry build` elsewhere; without them, every platform is built here first. */
  readonly records?: string | undefined;
  /** Where temporary files go (default the OS temp dir). */
  readonly tmpDir?: string | undefined;
  /** Progress lines of builders in single-machine mode (default: `log`). */
  readonly progress?: ((line: string) => void) | undefined;
}

/**
 * Publishes images whose platforms are built and complete: gates on the built platforms, then
 * every platform and the index by digest to every repository (confirmed there), then the attach
 * steps, then, only when all of that succeeded for every image, the tags.
 */
export async function publishImages(
  plans: readonly ImagePublishPlan[],
  stores: PublishStores,
  o: PublishImagesOptions = {},
): Promise<PublishResult> {
  const log = o.log ?? (() => undefined);
  const dryRun = o.dryRun ?? false;
  const gatesFor = o.gates ?? (() => []);

  // Gates: measured where the platforms were built, before anything moves.
  const work: ImageWork[] = [];
  for (const plan of plans) {
    const targets = await resolveTargets(plan, stores, log);
    const platforms = plan.platforms.map((p) => ({
      platform: p.platform,
      descriptor: p.descriptor,
      open: () => stores.open(p.repository),
    }));
    const { facts, results } = await runGates(plan.name, platforms, gatesFor(plan.name));
    work.push({ plan, targets, facts, gates: results });
  }
  refuseIfAnyGateFailed(work.map((w) => ({ name: w.plan.name, gates: w.gates })));

  // Content, by digest, to every repository, confirmed there.
  const pushed = dryRun ? false : await pushContent(work, stores, { signal: o.signal, onCopyEvent: o.onCopyEvent });

  // Attach: what the release carries besides the image, before any tag can point at it.
  const subjects = work.map((w) => attachSubject(w.plan, liveTargets(w)));
  const attachments = await runAttachSteps(o.attach ?? [], subjects, { dryRun, log, signal: o.signal });

  // Tags last.
  const tagged = await moveTags(work, { dryRun, signal: o.signal });
  return { images: tagged.images, attachments, changed: pushed || tagged.changed || attachments.some((a) => a.pushed), dryRun };
}

/** Collects the records (or builds every platform here), checks completeness, and publishes a planned release. */
export async function publishRelease(release: Release, o: PublishReleaseOptions): Promise<PublishResult> {
  const { config, configDir, plan } = release;
  const scratch = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'gantry-publish-'));
  try {
    const records = await collectRecords(release, o, scratch);
    const planned = planPublish(plan, records);
    // Layout repositories in gantry.yml are relative to it.
    const locate = (r: string): Location => {
      const l = parseLocation(r);
      return l.kind === 'layout' ? { ...l, path: resolve(configDir, l.path) } : l;
    };
    const hosts = hostsOf(planned.flatMap((p) => [...p.repositories, ...p.platforms.map((x) => x.repository)]).map(locate));
    return await withConnection(o, hosts, (connection) =>
      publishImages(
        planned,
        { open: (r) => connection.store(locate(r), true), hasCredentials: (r) => connection.hasCredentials(locate(r)) },
        { ...o, log: connection.log, gates: (image) => gatesOf(config.images.find((i) => i.name === image)?.gates) },
      ),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The digest records of the release: read from `records`, or (single-machine mode) made by
 * building every platform here; a dry run builds into a throwaway OCI layout, so nothing outside
 * this machine is touched.
 */
async function collectRecords(release: Release, o: PublishReleaseOptions, scratch: string): Promise<DigestRecord[]> {
  if (o.records !== undefined) return readRecords(resolve(o.cwd, o.records));
  const run = await buildPlatforms(release, {
    ...o,
    ...(o.dryRun ? { to: `oci:${join(scratch, 'staging')}` } : {}),
    recordDir: join(scratch, 'records'),
  });
  return [...run.records];
}
