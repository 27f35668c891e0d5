import { PlanError } from './errors.js';
import { parsePlatform } from '../oci/platform.js';
import type { GantryConfig, ImageSpec } from './config/index.js';
import type { ReleaseContext } from './release-context.js';
import { parseFlavor, parseTagRules, planTags, type Flavor, type LatestMode } from './tags/index.js';

/** One entry of the fan-out matrix: what one runner builds. */
export interface MatrixEntry {
  readonly image: string;
  readonly platform: string;
  readonly runner: string;
  readonly dockerfile: string;
}

/** Everything decided for one image. */
export interface ImagePlan {
  readonly name: string;
  /** Repositories the image goes to (`ghcr.io/acme/api`), required ones first. */
  readonly repositories: readonly string[];
  /** Repositories used only when their credentials are present. */
  readonly optionalRepositories: readonly string[];
  /** Full references, every tag in every repository. */
  readonly tags: readonly string[];
  /** The tag names alone. */
  readonly tagNames: readonly string[];
  /**
   * The tag names that name this version whole (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`), as opposed to
   * floating ones (`1.2`, `latest`, `edge`): a published version is immutable, so publish refuses to
   * move them to other content unless told to overwrite the release.
   */
  readonly versionTags: readonly string[];
  readonly platforms: readonly string[];
  /** Config labels (every platform's image config). */
  readonly labels: Readonly<Record<string, string>>;
  /** Index annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Why the tags are what they are. */
  readonly decisions: readonly string[];
  /** False for pull requests unless the config pushes them: built, not pushed. */
  readonly push: boolean;
  readonly builds: readonly MatrixEntry[];
}

export interface Plan {
  readonly version?: string;
  readonly prerelease: boolean;
  readonly revision: string;
  readonly created: string;
  readonly images: readonly ImagePlan[];
}

export interface PlanOptions {
  /** `--latest`. */
  readonly latest?: LatestMode;
  /** Tags already in each image's first repository, by image name; an image absent here is not checked (offline). */
  readonly existingTags?: Readonly<Record<string, readonly string[]>>;
}

/** Native runner labels (GitHub-hosted) per architecture; other architectures run on amd64 with emulation. */
export const DEFAULT_RUNNERS: Readonly<Record<string, string>> = { amd64: 'ubuntu-latest', arm64: 'ubuntu-24.04-arm' };

/**
 * Plans a release: for every image its tags in every repository, its labels and annotations,
 * and the build matrix. Pure: the registry's existing tags are passed in.
 */
export function makePlan(config: GantryConfig, ctx: ReleaseContext, o: PlanOptions = {}): Plan {
  let version: string | undefined;
  let prerelease = false;
  const images = config.images.map((image) => {
    const p = planImage(image, ctx, o);
    version ??= p.version;
    prerelease ||= p.prerelease;
    return p.plan;
  });
  return { ...(version !== undefined ? { version } : {}), prerelease, revision: ctx.sha, created: ctx.commitTime, images };
}

function flavorOf(image: ImageSpec): Flavor {
  const f = image.flavor;
  const lines = [`latest=${f.latest}`];
  if (f.prefix) lines.push(`prefix=${f.prefix},onlatest=${f.prefixOnLatest}`);
  if (f.suffix) lines.push(`suffix=${f.suffix},onlatest=${f.suffixOnLatest}`);
  return parseFlavor(lines);
}

function planImage(image: ImageSpec, ctx: ReleaseContext, o: PlanOptions): { plan: ImagePlan; version?: string; prerelease: boolean } {
  const existing = o.existingTags?.[image.name];
  const t = planTags({
    rules: image.tags !== undefined ? parseTagRules(image.tags) : undefined,
    flavor: flavorOf(image),
    context: ctx,
    ...(existing !== undefined ? { existingTags: existing } : {}),
    ...(o.latest !== undefined ? { latest: o.latest } : {}),
  });
  const required = image.repositories.filter((r) => !r.optional).map((r) => r.name);
  const optional = image.repositories.filter((r) => r.optional).map((r) => r.name);
  const repositories = [...required, ...optional];
  // Like metadata-action, a build that is not a release is versioned by its first tag (edge, pr-42).
  const annotations = imageAnnotations(image, ctx, t.version ?? t.tags[0]);
  const labels = { ...annotations, ...image.labels };
  const decisions = [
    ...image.repositories.flatMap((r) =>
      r.written === undefined
        ? []
        : [`repository ${r.written} written with capitals: lowercased to ${r.name}, as registries require (and metadata-action does)`],
    ),
    ...t.decisions,
  ];
  // A pull request whose rules make no tag is still built (a PR job that only checks the build must
  // not fail); it has nothing to push. A release with no tag is refused below.
  const untaggedPr = ctx.event === 'pull_request' && t.tags.length === 0;
  const push = !untaggedPr && (ctx.event !== 'pull_request' || image.push.pullRequests);
  if (untaggedPr) decisions.push('pull request: no rule makes a tag, so it is built, not pushed');
  else if (!push) decisions.push('pull request: built, not pushed (set push.pullRequests: true to push pr-N tags)');
  if (t.tags.length === 0 && !untaggedPr) {
    throw new PlanError(
      'PLAN_EMPTY',
      `image "${image.name}": no tag rule applies to this ${ctx.event} event, so there is nothing to publish; add a rule (e.g. type=sha) or run on a release`,
      { userError: true },
    );
  }
  return {
    ...(t.version !== undefined ? { version: t.version } : {}),
    prerelease: t.prerelease,
    plan: {
      name: image.name,
      repositories,
      optionalRepositories: optional,
      tags: repositories.flatMap((r) => t.tags.map((tag) => `${r}:${tag}`)),
      tagNames: t.tags,
      versionTags: t.versionTags,
      platforms: image.platforms,
      labels,
      annotations: { ...annotations, ...image.annotations },
      decisions,
      push,
      builds: image.platforms.map((platform) => matrixEntry(image, platform)),
    },
  };
}

function matrixEntry(image: ImageSpec, platform: string): MatrixEntry {
  const override = image.build.platform[platform];
  const arch = parsePlatform(platform).architecture;
  const runner = override?.runner ?? DEFAULT_RUNNERS[arch] ?? 'ubuntu-latest';
  const dockerfile =
    image.build.backend === 'layers' ? '' : ((override as { dockerfile?: string } | undefined)?.dockerfile ?? image.build.dockerfile);
  return { image: image.name, platform, runner, dockerfile };
}

/** OCI annotations (image-spec annotations.md) from the context and the image's config. */
export function imageAnnotations(image: ImageSpec, ctx: ReleaseContext, version: string | undefined): Record<string, string> {
  const source = ctx.repository?.url;
  const a: Record<string, string> = {
    'org.opencontainers.image.created': ctx.commitTime,
    'org.opencontainers.image.revision': ctx.sha,
    'org.opencontainers.image.title': image.title ?? image.name,
  };
  if (source) a['org.opencontainers.image.source'] = source;
  if (version) a['org.opencontainers.image.version'] = version;
  if (image.description) a['org.opencontainers.image.description'] = image.description;
  if (image.vendor) a['org.opencontainers.image.vendor'] = image.vendor;
  if (image.licenses) a['org.opencontainers.image.licenses'] = image.licenses;
  const url = image.url ?? source;
  if (url) a['org.opencontainers.image.url'] = url;
  if (image.documentation) a['org.opencontainers.image.documentation'] = image.documentation;
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** The fan-out matrix of a plan, for a workflow's `strategy.matrix`. */
export function planMatrix(plan: Plan): MatrixEntry[] {
  return plan.images.flatMap((i) => [...i.builds]);
}
