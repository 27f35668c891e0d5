// `docker buildx build` command lines, built as data (pure): BuildKit cannot run on every machine
// gantry is tested on, so these lines are what the tests pin down.
// https://docs.docker.com/reference/cli/docker/buildx/build/
import { formatReference, parseReference, withTag } from '../../oci/reference.js';
import { dockerfileBuildFlags, type DockerfileInputs } from '../dockerfile-inputs.js';

/** Where BuildKit puts the image: pushed by digest to a repository, or written to an OCI layout directory. */
export type BuildxOutput =
  | { readonly kind: 'registry'; readonly repository: string; readonly insecure: boolean }
  | { readonly kind: 'layout'; readonly dir: string };

export interface BuildxBuildOptions {
  readonly output: BuildxOutput;
  /** `--metadata-file`: where buildx writes the digest. */
  readonly metadataFile: string;
  /** Inside GitHub Actions (`GITHUB_ACTIONS=true`): the gha cache is available. */
  readonly githubActions: boolean;
}

/** `linux/arm/v7` → `linux-arm-v7`: platforms in cache scopes and tags. */
export function platformSlug(platform: string): string {
  return platform.replace(/\//g, '-');
}

/**
 * `--output` of an image pushed by digest only: `push-by-digest` pushes no tag, `name-canonical`
 * names the repository fully. Without attestations BuildKit writes Docker media types unless asked
 * for OCI ones; gantry's indexes are OCI, so their children are too.
 */
export function buildxOutput(o: BuildxOutput): string {
  if (o.kind === 'layout') return `type=oci,dest=${o.dir},tar=false`;
  return [
    'type=image',
    `name=${o.repository}`,
    'push-by-digest=true',
    'name-canonical=true',
    'push=true',
    'oci-mediatypes=true',
    ...(o.insecure ? ['registry.insecure=true'] : []),
  ].join(',');
}

/** The cache image of one platform: the configured tag plus the platform (`buildcache-linux-arm64`), so platforms built on different runners do not overwrite each other's cache. */
export function platformCacheRef(ref: string, platform: string): string {
  const r = parseReference(ref);
  return formatReference(withTag(r, `${r.tag ?? 'buildcache'}-${platformSlug(platform)}`));
}

/**
 * `--cache-from`/`--cache-to`: in GitHub Actions the gha cache, scoped per image and platform
 * (`api-linux-arm64`), unless a registry cache is configured; a configured registry cache anywhere.
 * The gha cache reads ACTIONS_CACHE_URL and ACTIONS_RUNTIME_TOKEN from buildx's environment.
 */
export function buildxCacheArgs(i: DockerfileInputs, githubActions: boolean): string[] {
  const mode = i.cache?.mode !== undefined ? `,mode=${i.cache.mode}` : '';
  if (i.cache?.type === 'registry') {
    const ref = platformCacheRef(i.cache.ref, i.platform);
    return ['--cache-from', `type=registry,ref=${ref}`, '--cache-to', `type=registry,ref=${ref}${mode}`];
  }
  if (!githubActions) return [];
  const scope = `${i.image}-${platformSlug(i.platform)}`;
  return ['--cache-from', `type=gha,scope=${scope}`, '--cache-to', `type=gha,scope=${scope}${mode}`];
}

/**
 * The arguments of `docker` for one platform: `buildx build` pushing by digest, the digest read
 * back from `--metadata-file`. `--provenance=false --sbom=false`: gantry attaches its own as
 * referrers, so the index has no `unknown/unknown` attestation entries. `--annotation` (buildx
 * 0.12+) annotates the manifest. `--progress=plain` keeps the log readable in files and errors.
 */
export function buildxBuildArgs(i: DockerfileInputs, o: BuildxBuildOptions): string[] {
  // prettier-ignore
  return [
    'buildx', 'build',
    ...dockerfileBuildFlags(i),
    '--output', buildxOutput(o.output),
    '--metadata-file', o.metadataFile,
    '--provenance=false',
    '--sbom=false',
    '--progress=plain',
    ...buildxCacheArgs(i, o.githubActions),
    i.context,
  ];
}
