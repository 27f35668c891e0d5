// The configuration gantry uses when a repository has no gantry.yml: one image from ./Dockerfile,
// named after the repository, published to ghcr.io/OWNER/REPO.
import { ConfigError } from './errors.js';
import { configSchema } from './schema.js';
import type { GantryConfig } from './types.js';
import { fail, ok, parseRepositoryName, type Parsed } from './values.js';

/** What the CLI knows about the checkout; plan/ reads nothing itself. */
export interface DefaultConfigInput {
  /**
   * The git remote (origin): its URL (`git@github.com:acme/api.git`, `https://github.com/acme/api`)
   * or, when the caller already knows it is a GitHub remote, its `owner/name`.
   */
  readonly remoteRepository?: string;
  /** Inside GitHub Actions: `GITHUB_REPOSITORY` (owner/name). Wins over the remote. */
  readonly github?: { readonly repository: string };
  /** Whether ./Dockerfile exists. */
  readonly hasDockerfile: boolean;
}

/** The input form of the default image, as if written in gantry.yml. */
export interface DefaultImageInput {
  readonly name: string;
  readonly repositories: readonly string[];
}

// URL (https, ssh, git) and scp-like (git@github.com:owner/name.git) remotes of github.com.
const GITHUB_URL_RE = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?(?:www\.)?github\.com(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i;
const GITHUB_SCP_RE = /^(?:[^@/:]+@)?github\.com:([^/]+)\/([^/]+?)(?:\.git)?\/?$/i;
const OWNER_NAME_RE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

function githubRepository(input: DefaultConfigInput): Parsed<{ owner: string; name: string }> {
  const direct = input.github?.repository;
  const remote = input.remoteRepository;
  const found = (m: RegExpExecArray) => ok({ owner: m[1] as string, name: m[2] as string });
  if (direct !== undefined) {
    const m = OWNER_NAME_RE.exec(direct);
    return m === null ? fail(`GITHUB_REPOSITORY ${JSON.stringify(direct)} is not owner/name`) : found(m);
  }
  if (remote !== undefined) {
    const m = GITHUB_URL_RE.exec(remote) ?? GITHUB_SCP_RE.exec(remote) ?? OWNER_NAME_RE.exec(remote);
    return m === null ? fail(`the git remote ${JSON.stringify(remote)} is not on GitHub, so there is no default registry`) : found(m);
  }
  return fail('the repository is unknown (not running in GitHub Actions, and no git remote)');
}

/** The default image, or why there is none. */
export function defaultImageInput(input: DefaultConfigInput): Parsed<DefaultImageInput> {
  if (!input.hasDockerfile) return fail('there is no ./Dockerfile to build');
  const repo = githubRepository(input);
  if (!repo.ok) return repo;
  const owner = repo.value.owner.toLowerCase();
  const name = repo.value.name.toLowerCase();
  const repository = parseRepositoryName(`ghcr.io/${owner}/${name}`);
  if (!repository.ok) return fail(`${owner}/${name} does not make a valid image repository (${repository.message})`);
  // A valid repository path component is also a valid image name.
  return ok({ name, repositories: [repository.value] });
}

/** A minimal gantry.yml, shown when gantry cannot guess one. */
export function exampleConfig(owner = 'OWNER', name = 'app'): string {
  return [
    'images:',
    `  - name: ${name}`,
    `    repositories: [ghcr.io/${owner}/${name}]`,
    '    build:',
    '      dockerfile: Dockerfile        # or backend: layers with base: and copy:',
  ].join('\n');
}

/**
 * The configuration used without a gantry.yml: one image built from ./Dockerfile by buildx for
 * linux/amd64 and linux/arm64, named after the repository, published to `ghcr.io/<owner>/<repo>`
 * (lowercased) — the repository of GitHub Actions when running there, else of the GitHub git remote.
 * Throws ConfigError('CONFIG_MISSING') explaining how to write a minimal gantry.yml otherwise.
 */
export function defaultConfig(input: DefaultConfigInput): GantryConfig {
  const image = defaultImageInput(input);
  if (!image.ok) {
    const message = `no gantry.yml, and gantry cannot make a default configuration: ${image.message}. Write a gantry.yml, for example:\n\n${exampleConfig()}`;
    throw new ConfigError('CONFIG_MISSING', 'gantry.yml', [], { message });
  }
  return configSchema.parse({ images: [{ ...image.value, repositories: [...image.value.repositories] }] });
}
