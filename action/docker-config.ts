// Registry credentials for gantry (and the docker/buildx it runs): a temporary docker config
// directory whose config.json is the runner's own plus the Action's logins, with the rest of the
// original directory (buildx builders from docker/setup-buildx-action, cli-plugins, contexts) linked in,
// so changing DOCKER_CONFIG loses nothing.
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionInputs } from './inputs.js';

/** The key docker stores Docker Hub credentials under. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export interface RegistryLogin {
  /** The key in config.json's auths (and credHelpers). */
  readonly key: string;
  /** For people: the registry's host. */
  readonly host: string;
  readonly username: string;
  readonly password: string;
}

/** ghcr.io whenever a token is given; Docker Hub only when both its user name and token are. */
export function registryLogins(
  i: Pick<ActionInputs, 'githubToken' | 'dockerhubUsername' | 'dockerhubToken'>,
  actor: string | undefined,
): { logins: RegistryLogin[]; warnings: string[] } {
  const logins: RegistryLogin[] = [];
  const warnings: string[] = [];
  if (i.githubToken !== '') logins.push({ key: 'ghcr.io', host: 'ghcr.io', username: actor || 'github-actions', password: i.githubToken });
  if (i.dockerhubUsername !== '' && i.dockerhubToken !== '') {
    logins.push({ key: DOCKER_HUB_KEY, host: 'docker.io', username: i.dockerhubUsername, password: i.dockerhubToken });
  } else if (i.dockerhubUsername !== '' || i.dockerhubToken !== '') {
    warnings.push(
      `Docker Hub: ${i.dockerhubUsername === '' ? 'dockerhub-token is set but dockerhub-username is empty' : 'dockerhub-username is set but dockerhub-token is empty'}; no Docker Hub credentials (optional docker.io repositories are skipped)`,
    );
  }
  return { logins, warnings };
}

/** The `auth` value of a login: base64 of `user:password` (a secret too). */
export function authValue(l: Pick<RegistryLogin, 'username' | 'password'>): string {
  return Buffer.from(`${l.username}:${l.password}`, 'utf8').toString('base64');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `existing` (a parsed config.json, or undefined) with the logins added to `auths`. Where a
 * credential helper would answer for a login's registry (`credsStore`, or a `credHelpers` entry),
 * an empty `credHelpers` entry selects `auths` for that registry, as docker and gantry read it.
 */
export function mergeDockerConfig(existing: unknown, logins: readonly RegistryLogin[]): Record<string, unknown> {
  const config: Record<string, unknown> = isRecord(existing) ? { ...existing } : {};
  const auths: Record<string, unknown> = isRecord(config.auths) ? { ...config.auths } : {};
  const helpers: Record<string, unknown> = isRecord(config.credHelpers) ? { ...config.credHelpers } : {};
  for (const l of logins) {
    auths[l.key] = { auth: authValue(l) };
    if (typeof config.credsStore === 'string' && config.credsStore !== '') helpers[l.key] = '';
    else if (l.key in helpers) helpers[l.key] = '';
  }
  config.auths = auths;
  if (Object.keys(helpers).length > 0) config.credHelpers = helpers;
  return config;
}

/**
 * Writes `target`/config.json (mode 0600) from `source`/config.json and the logins, and links every
 * other entry of `source` into `target`. Returns warnings for people.
 */
export async function writeDockerConfig(source: string, target: string, logins: readonly RegistryLogin[]): Promise<string[]> {
  const warnings: string[] = [];
  let existing: unknown;
  const file = join(source, 'config.json');
  try {
    existing = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      warnings.push(`cannot read ${file} (${(e as Error).message}); starting from an empty docker config`);
  }
  await writeFile(join(target, 'config.json'), `${JSON.stringify(mergeDockerConfig(existing, logins), null, 2)}\n`, { mode: 0o600 });
  let entries: string[];
  try {
    entries = await readdir(source);
  } catch {
    entries = [];
  }
  for (const name of entries) {
    if (name === 'config.json') continue;
    await symlink(join(source, name), join(target, name));
  }
  return warnings;
}
