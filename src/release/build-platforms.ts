// Runs the builds of one `gantry build`: for every chosen image its backend, for every chosen platform
// one build pushed by digest, and one digest record per platform written as soon as it is staged.
//
// Platforms run one after another, not in parallel: a Dockerfile build keeps the machine's cores
// busy, buildah's storage is shared between its builds, and in CI each platform runs on its own
// runner anyway (`gantry plan --matrix`). The first failure stops the run: the platforms already
// built keep their records, the failed one has none, and nothing is ever tagged.
import type { BackendName } from '../plan/config/backend-traits.js';
import type { GantryConfig } from '../plan/config/index.js';
import type { DigestRecord } from '../plan/digest-record.js';
import type { Store } from '../oci/store.js';
import type { ReleaseContext } from '../plan/release-context.js';
import type { ImagePlan, Plan } from '../plan/release.js';
import { BuildError } from '../builders/errors.js';
import { selectBuilds, type BuildSelection } from '../builders/select.js';
import { stagingName } from '../builders/staging.js';
import type { Builder, StagingTarget } from '../builders/backend.js';
import { createBuilders } from '../builders/backends.js';
import { ociArchitecture } from '../builders/emulation.js';
import { isLoopbackHost } from '../builders/dockerfile-scan.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { formatRepository } from '../oci/reference.js';
import { copyImage } from '../publish/copy.js';
import { openLayout } from '../layout/index.js';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { hostsOf, withConnection, type Connection, type ConnectionOptions } from './connection.js';
import { ReleaseError } from './errors.js';
import { locationReference, parseLocation, type Location } from './location.js';
import type { Release } from './plan-release.js';
import { makeRecord, writeRecord } from './record-files.js';

export interface RunBuildsOptions {
  readonly plan: Plan;
  readonly config: GantryConfig;
  readonly context: ReleaseContext;
  /** The directory gantry.yml is in: build contexts and Dockerfiles are relative to it. */
  readonly cwd: string;
  readonly selection?: BuildSelection | undefined;
  /** A builder per backend; an image whose backend has none fails before anything is built. */
  readonly builders: Partial<Record<BackendName, Builder>>;
  /** Where an image's platforms are pushed by digest (the CLI: --to, else the image's first required repository). */
  readonly staging: (image: ImagePlan) => Promise<StagingTarget>;
  /** Where digest records are written (created when missing). */
  readonly recordDir: string;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
}

export interface BuildRun {
  readonly records: readonly DigestRecord[];
  /** The record files, in the order of `records`. */
  readonly files: readonly string[];
}

/** Builds the selected platforms of the selected images; see the file comment. */
export async function runBuilds(o: RunBuildsOptions): Promise<BuildRun> {
  const selected = selectBuilds(o.plan, o.config, o.selection);
  for (const s of selected) {
    if (!o.builders[s.spec.build.backend]) {
      throw new BuildError(
        'BACKEND_UNAVAILABLE',
        `image "${s.spec.name}" uses backend ${s.spec.build.backend}, which this gantry cannot run`,
      );
    }
  }
  const records: DigestRecord[] = [];
  const files: string[] = [];
  for (const s of selected) {
    const builder = o.builders[s.spec.build.backend]!;
    const staging = await o.staging(s.plan);
    for (const platform of s.platforms) {
      o.signal?.throwIfAborted();
      o.log(`building ${s.spec.name} ${platform} with ${s.spec.build.backend}`);
      const result = await builder.build({
        image: s.spec,
        platform,
        plan: s.plan,
        context: o.context,
        cwd: o.cwd,
        staging,
        log: o.log,
        signal: o.signal,
      });
      const record = makeRecord(s.spec.name, stagingName(staging), o.plan.revision, o.plan.version, result);
      files.push(await writeRecord(o.recordDir, record));
      records.push(record);
    }
  }
  return { records, files };
}

/** Which platforms to build, where to stage them and where the records go. */
export interface BuildPlatformsOptions extends ConnectionOptions {
  /** The working directory: `to` and `recordDir` are relative to it. */
  readonly cwd: string;
  /** Image names to build (default: every image). */
  readonly images?: readonly string[] | undefined;
  /** Platforms to build, e.g. linux/arm64 (default: every platform of each image). */
  readonly platforms?: readonly string[] | undefined;
  /** Stage here instead of each image's first repository: REGISTRY/REPO, or oci:DIR to build offline. */
  readonly to?: string | undefined;
  /** Where the digest records are written. */
  readonly recordDir: string;
  /** Where builders put temporary files (default the OS temp dir). */
  readonly tmpDir?: string | undefined;
  /** The builders' progress lines (default: `log`). */
  readonly progress?: ((line: string) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Builds the selected platforms of a planned release with each image's backend, pushing each by
 * digest to its staging destination (never by tag), and writes one digest record per platform.
 */
export async function buildPlatforms(release: Release, o: BuildPlatformsOptions): Promise<BuildRun> {
  const { config, configDir, context, plan } = release;
  const platforms = (o.platforms ?? []).map((p) => formatPlatform(parsePlatform(p)));
  const to = o.to !== undefined ? parseStagingLocation(o.to) : undefined;
  const locations = to ? [to] : plan.images.map((i) => parseStagingLocation(i.repositories[0]!));
  const insecure = o.insecureRegistries ?? [];
  const tmpDir = o.tmpDir ?? tmpdir();
  return withConnection(o, hostsOf(locations), async (connection) => {
    const staging = async (image: ImagePlan): Promise<StagingTarget> => {
      const l = to ?? parseStagingLocation(image.repositories[0]!);
      if (l.kind === 'layout') {
        // Layout repositories in gantry.yml are relative to it; --to is relative to the working directory.
        const dir = resolve(to ? o.cwd : configDir, l.path);
        return { kind: 'layout', path: dir, store: await connection.store({ ...l, path: dir }, true) };
      }
      const host = l.ref.registry;
      return {
        kind: 'registry',
        repository: formatRepository(l.ref),
        store: await connection.store(l),
        insecure: isLoopbackHost(host) || insecure.includes(host),
      };
    };
    const builders = createBuilders(new Set(config.images.map((i) => i.build.backend)), {
      env: o.env,
      stage: async (src, digest, target, so) => {
        await copyImage(src, digest, [{ store: target }], { signal: so.signal });
      },
      resolveBase: async (b) => {
        if (b.kind === 'layout') return { store: await openLayout(resolve(configDir, b.path)), reference: b.tag ?? 'latest' };
        return openBase(connection, parseLocation(b.reference));
      },
      tmpDir,
      hostArch: ociArchitecture(process.arch),
      insecureRegistries: insecure,
    });
    return runBuilds({
      plan,
      config,
      context,
      cwd: configDir,
      selection: { images: o.images, platforms },
      builders,
      staging,
      recordDir: resolve(o.cwd, o.recordDir),
      log: o.progress ?? connection.log,
      signal: o.signal,
    });
  });
}

async function openBase(connection: Connection, l: Location): Promise<{ store: Store; reference: string }> {
  return { store: await connection.store(l), reference: locationReference(l)! };
}

/** A staging destination: a repository or a layout, never a tag (platforms are pushed by digest). */
function parseStagingLocation(text: string): Location {
  const l = parseLocation(text);
  const named = l.kind === 'registry' ? (l.explicitRef ? (l.ref.digest ?? l.ref.tag) : undefined) : l.ref;
  if (named !== undefined) {
    throw new ReleaseError(
      'USAGE',
      `--to ${text}: name a repository or an OCI layout without a tag or digest; gantry build pushes each platform by digest and tags nothing`,
      { userError: true },
    );
  }
  return l;
}
