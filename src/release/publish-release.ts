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
import { GateRefused, gatesOf, refuseIfAnyGateFailed, runGates, type Gate, type GateResult } from '../publish/gates.js';
import {
  imageResults,
  moveTags,
  readTags,
  versionTagConflicts,
  type ImageResult,
  type ImageTags,
  type VersionTagConflict,
} from '../publish/move-tags.js';
import { alreadyReleased, type AlreadyReleased } from '../publish/released.js';
import { liveTargets, resolveTargets, type ImageWork, type PublishStores } from '../publish/targets.js';
import { attachSubject, runAttachSteps, type Attachment, type AttachStep } from './attach.js';
import { buildPlatforms } from './build-platforms.js';
import { hostsOf, withConnection, type Connection } from './connection.js';
import { parseLocation, type Location } from './location.js';
import type { Release, ReleaseOptions } from './plan-release.js';
import { DEFAULT_RECORD_DIR, readRecords, workingCopyRecords } from './record-files.js';

/** Where the platform builds of a publish came from. */
export interface RecordsSource {
  /** `records`: `--records`; `working-copy`: what `gantry build` left in .gantry/records for this revision; `built`: built here. */
  readonly from: 'records' | 'working-copy' | 'built';
  readonly dir?: string;
  /** Records that were ignored, and why (another revision, another version). */
  readonly notes: readonly string[];
}

export interface PublishResult {
  readonly images: readonly ImageResult[];
  /** What the attach steps attached (empty when there are none). */
  readonly attachments: readonly Attachment[];
  /** False when a rerun found everything already published. */
  readonly changed: boolean;
  readonly dryRun: boolean;
  /** Version tags of a published release that this publish moved to other content (`overwriteRelease`). */
  readonly overwritten: readonly VersionTagConflict[];
  /** Where the platform builds came from (publishRelease only). */
  readonly records?: RecordsSource;
  /** Why the release was refused (a gate, a published version): nothing was pushed or tagged. */
  readonly refused?: string;
}

/** The name of the gate that keeps a published version's tags where they are. */
export const RELEASED_VERSION_GATE = 'released-version';

/** A gate refused the release (exit 3): `result` is what the release would have been, with the gate results. */
export class PublishRefused extends GateRefused {
  readonly result: PublishResult;
  constructor(message: string, results: readonly GateResult[], result: PublishResult) {
    super(message, results);
    this.result = result;
  }
}

/** How the images are published, once their platforms are built. */
export interface PublishImagesOptions {
  /** The gates of an image (default: none). */
  readonly gates?: ((image: string) => readonly Gate[]) | undefined;
  /** Steps that attach signatures, SBOMs, provenance before the tags move (default: none). */
  readonly attach?: readonly AttachStep[] | undefined;
  readonly dryRun?: boolean | undefined;
  /**
   * Move version tags (1.2.3, v1.2.3) that already name other content: overwrite a published
   * release (default false: such a release is refused, exit 3, before anything moves).
   */
  readonly overwriteRelease?: boolean | undefined;
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
  let work: ImageWork[] = [];
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

  // Where every tag points now; a published version's tags stay where they are.
  let tags = await readTags(work, { dryRun, signal: o.signal });
  // The second run of one release finds it done (published from this commit): nothing to do there.
  const released = o.overwriteRelease === true ? [] : await alreadyReleased(tags, o.signal);
  for (const r of released) {
    log(`${r.image}: this version is already published from this commit (${r.revision.slice(0, 12)}), at ${r.digest}; nothing to do`);
  }
  const done = new Set(released.map((r) => r.image));
  const finished = imageResults(tags.filter((t) => done.has(t.work.plan.name))).map((i) => settledAt(i, released));
  work = work.filter((w) => !done.has(w.plan.name));
  tags = tags.filter((t) => !done.has(t.work.plan.name));
  const conflicts = versionTagConflicts(tags);
  const overwrite = o.overwriteRelease ?? false;
  if (conflicts.length > 0) {
    work = work.map((w) => ({ ...w, gates: [...w.gates, ...releasedVersionGate(w.plan.name, conflicts, overwrite)] }));
    tags = tags.map((t, n) => ({ ...t, work: work[n]! }));
    if (overwrite) {
      for (const c of conflicts) {
        log(`overwriting a published release (--overwrite-release): ${c.repository}:${c.tag} moves from ${c.has} to ${c.would}`);
      }
    }
  }
  refuseUnlessGatesPassed(tags, dryRun);

  // Content, by digest, to every repository, confirmed there.
  const pushed = dryRun ? false : await pushContent(work, stores, { signal: o.signal, onCopyEvent: o.onCopyEvent });

  // Attach: what the release carries besides the image, before any tag can point at it.
  const subjects = work.map((w) => attachSubject(w.plan, liveTargets(w)));
  const attachments = await runAttachSteps(o.attach ?? [], subjects, { dryRun, log, signal: o.signal });

  // Tags last.
  const tagged = await moveTags(tags, { dryRun, signal: o.signal, log });
  return {
    images: [...finished, ...tagged.images],
    attachments,
    changed: pushed || tagged.changed || attachments.some((a) => a.pushed),
    dryRun,
    overwritten: overwrite ? conflicts : [],
  };
}

/** An image already released from this commit, as it stands: at the published index, every tag left where it is. */
function settledAt(i: ImageResult, released: readonly AlreadyReleased[]): ImageResult {
  const r = released.find((x) => x.image === i.name)!;
  return {
    ...i,
    digest: r.digest,
    repositories: i.repositories.map((repo) => ({ ...repo, tags: repo.tags.map((t) => ({ tag: t.tag, how: 'unchanged' as const })) })),
  };
}

/** The released-version gate of one image: absent when none of its version tags names other content. */
function releasedVersionGate(image: string, conflicts: readonly VersionTagConflict[], overwrite: boolean): GateResult[] {
  const mine = conflicts.filter((c) => c.image === image);
  if (mine.length === 0) return [];
  const details = mine.map(
    (c) =>
      `${c.repository}:${c.tag} is ${c.has}, this release would make it ${c.would}${overwrite ? ' (overwritten: --overwrite-release)' : ''}`,
  );
  return [{ gate: RELEASED_VERSION_GATE, passed: overwrite, details }];
}

/** Throws PublishRefused (with the release as it would have been) when any gate refused. */
function refuseUnlessGatesPassed(tags: readonly ImageTags[], dryRun: boolean): void {
  try {
    refuseIfAnyGateFailed(tags.map((t) => ({ name: t.work.plan.name, gates: t.work.gates })));
  } catch (e) {
    if (!(e instanceof GateRefused)) throw e;
    const released = e.results.some((g) => g.gate === RELEASED_VERSION_GATE);
    const message = released
      ? `${e.message}
  a published version is immutable: release a new version, or pass --overwrite-release to move its tags on purpose`
      : e.message;
    throw new PublishRefused(message, e.results, {
      images: imageResults(tags),
      attachments: [],
      changed: false,
      dryRun,
      overwritten: [],
      refused: message,
    });
  }
}

/** Collects the records (or builds every platform here), checks completeness, and publishes a planned release. */
export async function publishRelease(release: Release, o: PublishReleaseOptions): Promise<PublishResult> {
  const { config, configDir, plan } = release;
  const scratch = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'gantry-publish-'));
  try {
    const { records, source } = await collectRecords(release, o, scratch);
    const planned = planPublish(plan, records);
    // Layout repositories in gantry.yml are relative to it.
    const locate = (r: string): Location => {
      const l = parseLocation(r);
      return l.kind === 'layout' ? { ...l, path: resolve(configDir, l.path) } : l;
    };
    const hosts = hostsOf(planned.flatMap((p) => [...p.repositories, ...p.platforms.map((x) => x.repository)]).map(locate));
    const publish = (connection: Connection): Promise<PublishResult> =>
      publishImages(
        planned,
        { open: (r) => connection.store(locate(r), true), hasCredentials: (r) => connection.hasCredentials(locate(r)) },
        { ...o, log: connection.log, gates: (image) => gatesOf(config.images.find((i) => i.name === image)?.gates) },
      );
    try {
      return { ...(await withConnection(o, hosts, publish)), records: source };
    } catch (e) {
      if (e instanceof PublishRefused) throw new PublishRefused(e.message, e.results, { ...e.result, records: source });
      throw e;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The digest records of the release: read from `records`; else those `gantry build` left in this
 * working copy (.gantry/records) for this revision and version, when they cover every platform;
 * else (single-machine mode) made by building every platform here. A dry run builds into a
 * throwaway OCI layout, so nothing outside this machine is touched.
 */
async function collectRecords(
  release: Release,
  o: PublishReleaseOptions,
  scratch: string,
): Promise<{ records: DigestRecord[]; source: RecordsSource }> {
  const log = o.log ?? (() => undefined);
  if (o.records !== undefined) {
    const dir = resolve(o.cwd, o.records);
    return { records: await readRecords(dir), source: { from: 'records', dir, notes: [] } };
  }
  const dir = resolve(o.cwd, DEFAULT_RECORD_DIR);
  const local = await workingCopyRecords(dir, release.plan);
  for (const n of local.notes) log(n);
  if (local.complete) {
    log(
      `publishing the ${local.records.length} platform build(s) that gantry build left in ${DEFAULT_RECORD_DIR} for this revision; not building again`,
    );
    return { records: local.records, source: { from: 'working-copy', dir, notes: local.notes } };
  }
  if (local.records.length > 0)
    log(`${DEFAULT_RECORD_DIR} covers ${local.records.length} of the release's platforms, not all: building every platform here`);
  const run = await buildPlatforms(release, {
    ...o,
    ...(o.dryRun ? { to: `oci:${join(scratch, 'staging')}` } : {}),
    recordDir: join(scratch, 'records'),
  });
  return { records: [...run.records], source: { from: 'built', notes: local.notes } };
}
