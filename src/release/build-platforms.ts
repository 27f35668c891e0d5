// Runs the builds of one `gantry build`: for every chosen image its backend, for every chosen platform
// one build pushed by digest, and one digest record per platform written as soon as it is staged.
//
// Platforms run one after another, not in parallel: a Dockerfile build keeps the machine's cores
// busy, buildah's storage is shared between its builds, and in CI each platform runs on its own
// runner anyway (`gantry plan --matrix`). The first failure stops the run: the platforms already
// built keep their records, the failed one has none, and nothing is ever tagged.
import type { Backend, GantryConfig } from '../plan/config/index.js';
import type { ReleaseContext } from '../plan/release-context.js';
import type { ImagePlan, Plan } from '../plan/release.js';
import { createBuildahBuilder } from '../builders/buildah/builder.js';
import type { BuildahIsolation, BuildahStorage } from '../builders/buildah/command.js';
import { createBuildxBuilder } from '../builders/buildx/builder.js';
import { BuildError } from '../builders/errors.js';
import { makeRecord, type DigestRecord } from './digest-record.js';
import { writeRecord } from './record-file.js';
import { selectBuilds, type BuildSelection } from '../builders/select.js';
import { stagingName, type StageImage } from '../builders/staging.js';
import type { Builder, StagingTarget } from '../builders/backend.js';

export interface RunBuildsOptions {
  readonly plan: Plan;
  readonly config: GantryConfig;
  readonly context: ReleaseContext;
  /** The directory gantry.yml is in: build contexts and Dockerfiles are relative to it. */
  readonly cwd: string;
  readonly selection?: BuildSelection | undefined;
  /** A builder per backend; an image whose backend has none fails before anything is built. */
  readonly builders: Partial<Record<Backend, Builder>>;
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
      throw new BuildError('BACKEND_UNAVAILABLE', `image "${s.spec.name}" uses backend ${s.spec.build.backend}, which this gantry cannot run`);
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

export interface DockerfileBuildersOptions {
  /** The builders' environment (the CLI passes its own). `GITHUB_ACTIONS=true` turns on buildx's gha cache. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stage: StageImage;
  readonly tmpDir: string;
  /** OCI architecture of this machine. */
  readonly hostArch: string;
  readonly insecureRegistries?: readonly string[] | undefined;
  readonly buildah?: { readonly binary?: string; readonly storage?: BuildahStorage; readonly isolation?: BuildahIsolation } | undefined;
  readonly docker?: { readonly binary?: string } | undefined;
}

/** The buildx and buildah backends, set up from the CLI's options and environment. */
export function createDockerfileBuilders(o: DockerfileBuildersOptions): { buildx: Builder; buildah: Builder } {
  return {
    buildx: createBuildxBuilder({ env: o.env, stage: o.stage, tmpDir: o.tmpDir, githubActions: o.env['GITHUB_ACTIONS'] === 'true', binary: o.docker?.binary }),
    buildah: createBuildahBuilder({
      env: o.env,
      stage: o.stage,
      tmpDir: o.tmpDir,
      hostArch: o.hostArch,
      insecureRegistries: o.insecureRegistries,
      binary: o.buildah?.binary,
      storage: o.buildah?.storage,
      isolation: o.buildah?.isolation,
    }),
  };
}
