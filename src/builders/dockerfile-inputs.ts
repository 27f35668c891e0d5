// What a Dockerfile build (buildx or buildah) is given, decided once for both backends from the
// request: the Dockerfile of this platform, build args, labels, annotations and the timestamp.
// Pure: no file system, no environment.
import type { CacheSpec, DockerfileBuildSpec } from '../plan/config/index.js';
import { BuildError } from './errors.js';
import type { BuildRequest } from './backend.js';

/** Everything a Dockerfile backend needs for one platform. */
export interface DockerfileInputs {
  readonly backend: DockerfileBuildSpec['backend'];
  readonly image: string;
  /** Canonical platform, e.g. `linux/arm64`. */
  readonly platform: string;
  /** The directory the builder runs in; `context` and `dockerfile` are relative to it. */
  readonly cwd: string;
  readonly context: string;
  /** The platform's Dockerfile (`build.platform.<p>.dockerfile`, else `build.dockerfile`). */
  readonly dockerfile: string;
  readonly target?: string;
  /** `BUILD_DATE`, `VCS_REF`, `VERSION`, `SOURCE_DATE_EPOCH`, then `build.args`, then the platform's args (same names win). */
  readonly buildArgs: readonly (readonly [string, string])[];
  /** Config labels: the plan's. */
  readonly labels: readonly (readonly [string, string])[];
  /** Manifest annotations: the plan's (metadata-action's default annotation level is the manifest). */
  readonly annotations: readonly (readonly [string, string])[];
  /** The commit time in seconds: `SOURCE_DATE_EPOCH` in the builder's environment. */
  readonly sourceDateEpoch: number;
  readonly cache?: CacheSpec;
}

/** The annotation (and label) that holds the version metadata-action would output. */
const VERSION_KEY = 'org.opencontainers.image.version';

/** Seconds since 1970 of an RFC 3339 time (the commit time), for `SOURCE_DATE_EPOCH`. */
export function epochSeconds(rfc3339: string): number {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new BuildError('BUILD_INPUT_INVALID', `the commit time ${JSON.stringify(rfc3339)} is not an RFC 3339 time`);
  return Math.floor(ms / 1000);
}

/** Decides the inputs of a Dockerfile build of one platform. Throws for a `layers` image. */
export function resolveDockerfileInputs(req: BuildRequest): DockerfileInputs {
  const build = req.image.build;
  if (build.backend === 'layers') {
    throw new BuildError('BACKEND_UNAVAILABLE', `image "${req.image.name}" is built by the layers backend, not from a Dockerfile`);
  }
  const override = build.platform[req.platform];
  const epoch = epochSeconds(req.context.commitTime);
  const args = new Map<string, string>([
    ['BUILD_DATE', req.context.commitTime],
    ['VCS_REF', req.context.sha],
    ['VERSION', req.plan.annotations[VERSION_KEY] ?? req.plan.tagNames[0] ?? ''],
    // BuildKit takes the build's timestamps from this build arg; buildah ignores it (see --timestamp).
    ['SOURCE_DATE_EPOCH', String(epoch)],
  ]);
  for (const [k, v] of Object.entries(build.args)) args.set(k, v);
  for (const [k, v] of Object.entries(override?.args ?? {})) args.set(k, v);
  return {
    backend: build.backend,
    image: req.image.name,
    platform: req.platform,
    cwd: req.cwd,
    context: build.context,
    dockerfile: override?.dockerfile ?? build.dockerfile,
    ...(build.target !== undefined ? { target: build.target } : {}),
    buildArgs: [...args],
    labels: Object.entries(req.plan.labels),
    annotations: Object.entries(req.plan.annotations),
    sourceDateEpoch: epoch,
    ...(build.cache !== undefined ? { cache: build.cache } : {}),
  };
}

const pairs = (flag: string, kv: readonly (readonly [string, string])[]): string[] => kv.flatMap(([k, v]) => [flag, `${k}=${v}`]);

/** The Dockerfile build flags buildah and buildx share: platform, file, target, args, labels, annotations. */
export function dockerfileBuildFlags(i: DockerfileInputs): string[] {
  return [
    '--platform',
    i.platform,
    '--file',
    i.dockerfile,
    ...(i.target !== undefined ? ['--target', i.target] : []),
    ...pairs('--build-arg', i.buildArgs),
    ...pairs('--label', i.labels),
    ...pairs('--annotation', i.annotations),
  ];
}
