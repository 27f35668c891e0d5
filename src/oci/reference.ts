import { isDigest, type Digest } from './digest.js';
import { OciError } from './errors.js';

/**
 * A parsed, normalized image reference: `registry/repository[:tag][@digest]`.
 *
 * Grammar and normalization follow docker's `distribution/reference` (`reference.go`,
 * `regexp.go`, `normalize.go` `ParseNormalizedNamed`): Docker Hub is `docker.io`, and its
 * single-component names live under `library/`. Values are frozen.
 */
export interface Reference {
  /** `host[:port]`, `[ipv6]:port` or `docker.io`; case kept as written (docker does not fold it). */
  readonly registry: string;
  /** The path inside the registry, e.g. `library/alpine`; always lowercase. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Docker Hub's canonical name in references. */
export const DOCKER_HUB = 'docker.io';
/** The host that actually serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** Tag asked for when a reference names neither a tag nor a digest. */
export const DEFAULT_TAG = 'latest';
/** Longest `registry/repository` accepted (docker's `RepositoryNameTotalLengthMax`). */
export const MAX_NAME_LENGTH = 255;

// Other spellings of Docker Hub. docker normalizes only `index.docker.io`; gantry also folds the
// API host, so `registry-1.docker.io/foo` and `foo` name the same repository (one auth, one cache).
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['index.docker.io', DOCKER_HUB_API_HOST]);
const OFFICIAL_PREFIX = 'library/';

// regexp.go: domainNameComponent, domainName, ipv6address, optionalPort.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
// regexp.go: pathComponent = alphanumeric (separator alphanumeric)*, separator = [._] | __ | -+
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
// regexp.go: tag = [\w][\w.-]{0,127}  (\w is ASCII in both Go and JS)
const TAG_RE = /^\w[\w.-]{0,127}$/;
const MAX_TAG_LENGTH = 128;
// regexp.go: identifier; docker refuses these as names because they look like image IDs.
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

const FORM = 'expected [registry/]repository[:tag][@digest], e.g. "alpine:3.20" or "ghcr.io/org/app@sha256:<64 hex>"';
const TAG_RULE = 'a tag is 1 to 128 letters, digits, "_", "." or "-" and does not start with "." or "-"';
const COMPONENT_RULE =
  'path components are lowercase letters and digits, joined by ".", "_", "__" or dashes, and start and end with a letter or digit';

function invalid(s: string, why: string): OciError {
  return new OciError('REFERENCE_INVALID', `invalid reference ${JSON.stringify(s)}: ${why}`, { userError: true });
}

/** True when `s` is a valid tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`). */
export function isValidTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** True when `s` is a valid repository path (no registry), e.g. `library/alpine`. */
export function isValidRepository(s: string): boolean {
  return s.length > 0 && s.length <= MAX_NAME_LENGTH && s.split('/').every((c) => PATH_COMPONENT_RE.test(c));
}

function tagProblem(tag: string): string | undefined {
  if (tag === '') return `the tag after ":" is empty; ${TAG_RULE}`;
  if (tag.length > MAX_TAG_LENGTH) return `tag ${JSON.stringify(tag)} is longer than ${MAX_TAG_LENGTH} characters`;
  if (!TAG_RE.test(tag)) return `tag ${JSON.stringify(tag)} is invalid: ${TAG_RULE}`;
  return undefined;
}

function repositoryProblem(repository: string, onDockerHub: boolean): string | undefined {
  if (repository.toLowerCase() !== repository) {
    const hint = onDockerHub ? '; a first component is taken as a registry only if it contains "." or ":" or is "localhost"' : '';
    return `repository name must be lowercase (got ${JSON.stringify(repository)})${hint}`;
  }
  for (const c of repository.split('/')) {
    if (c === '') return `repository ${JSON.stringify(repository)} has an empty path component (leading, trailing or doubled "/")`;
    if (!PATH_COMPONENT_RE.test(c)) return `repository path component ${JSON.stringify(c)} is invalid: ${COMPONENT_RULE}`;
  }
  return undefined;
}

/** docker's splitDockerDomain: the first component is a registry only if it looks like a host. */
function splitRegistry(name: string): [registry: string, repository: string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DOCKER_HUB, name];
  const first = name.slice(0, slash);
  // docker also takes a first component with uppercase letters as a host ("Foo/bar" → host "Foo");
  // gantry reports it as a repository that must be lowercase, which is what the user almost surely meant.
  if (first === 'localhost' || first.includes('.') || first.includes(':')) return [first, name.slice(slash + 1)];
  return [DOCKER_HUB, name];
}

function freezeReference(registry: string, repository: string, tag: string | undefined, digest: Digest | undefined): Reference {
  const r: { registry: string; repository: string; tag?: string; digest?: Digest } = { registry, repository };
  if (tag !== undefined) r.tag = tag;
  if (digest !== undefined) r.digest = digest;
  return Object.freeze(r);
}

/**
 * Parses and normalizes a reference the way `docker pull` does (`ParseNormalizedNamed`):
 * `alpine` → `docker.io/library/alpine`, `localhost:5000/app:1`, `ghcr.io/o/a:t@sha256:…`.
 * Both a tag and a digest may be given; registries are asked for the digest (see `referenceString`).
 * Throws `OciError('REFERENCE_INVALID')` (a user error) naming what is wrong.
 */
export function parseReference(s: string): Reference {
  if (s === '') throw invalid(s, `the reference is empty; ${FORM}`);
  if (IDENTIFIER_RE.test(s)) {
    throw invalid(s, 'a 64-character hex string is an image ID, not a repository name; write repository@sha256:<hex>');
  }
  let rest = s;
  let digest: Digest | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    const d = s.slice(at + 1);
    if (!isDigest(d)) {
      throw invalid(s, `digest ${JSON.stringify(d)} is invalid: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`);
    }
    digest = d;
    rest = s.slice(0, at);
  }
  // The tag separator is the first ":" after the last "/", so "host:5000/app" keeps its port.
  let tag: string | undefined;
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    const problem = tagProblem(tag);
    if (problem !== undefined) throw invalid(s, problem);
    rest = rest.slice(0, colon);
  }
  let [registry, repository] = splitRegistry(rest);
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (!REGISTRY_RE.test(registry)) {
    throw invalid(s, `registry ${JSON.stringify(registry)} is not a valid host[:port] (e.g. "ghcr.io", "localhost:5000", "[::1]:5000")`);
  }
  if (repository === '') throw invalid(s, `missing repository after the registry; ${FORM}`);
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = OFFICIAL_PREFIX + repository;
  const problem = repositoryProblem(repository, registry === DOCKER_HUB);
  if (problem !== undefined) throw invalid(s, problem);
  const length = registry.length + 1 + repository.length;
  if (length > MAX_NAME_LENGTH) {
    throw invalid(s, `the name ${registry}/${repository} is ${length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  return freezeReference(registry, repository, tag, digest);
}

/** `registry/repository`, without tag or digest. */
export function formatRepository(r: Reference): string {
  return `${r.registry}/${r.repository}`;
}

function suffix(r: Reference): string {
  return `${r.tag === undefined ? '' : `:${r.tag}`}${r.digest === undefined ? '' : `@${r.digest}`}`;
}

/** The full, canonical form: `docker.io/library/alpine:3.20`. `parseReference` reads it back unchanged. */
export function formatReference(r: Reference): string {
  return formatRepository(r) + suffix(r);
}

/**
 * docker's short form (`FamiliarString`): `alpine:3.20`, `user/app`, `ghcr.io/o/a`. Unlike docker,
 * `docker.io/` is kept when the path's first component would read as a registry (`docker.io/a.b/c`),
 * so the familiar form always parses back to the same reference.
 */
export function familiarReference(r: Reference): string {
  if (r.registry !== DOCKER_HUB) return formatReference(r);
  let path = r.repository;
  // Only official images lose "library/"; "library/a/b" keeps it (normalize.go familiarizeName).
  if (path.startsWith(OFFICIAL_PREFIX) && !path.slice(OFFICIAL_PREFIX.length).includes('/')) {
    path = path.slice(OFFICIAL_PREFIX.length);
  }
  const [first] = splitRegistry(path);
  return (first === DOCKER_HUB ? path : `${DOCKER_HUB}/${path}`) + suffix(r);
}

/** A copy of `r` with `tag`; like docker's `WithTag`, a digest is kept. Throws REFERENCE_INVALID. */
export function withTag(r: Reference, tag: string): Reference {
  const problem = tagProblem(tag);
  if (problem !== undefined)
    throw new OciError('REFERENCE_INVALID', `invalid tag for ${formatRepository(r)}: ${problem}`, { userError: true });
  return freezeReference(r.registry, r.repository, tag, r.digest);
}

/** A copy of `r` pinned to `digest`; like docker's `WithDigest`, a tag is kept. */
export function withDigest(r: Reference, digest: Digest): Reference {
  return freezeReference(r.registry, r.repository, r.tag, digest);
}

/** The host that serves the registry API for `registry`: Docker Hub is served by `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB || DOCKER_HUB_ALIASES.has(registry) ? DOCKER_HUB_API_HOST : registry;
}

/** What to ask the registry for (`/v2/<name>/manifests/<this>`): the digest if any, else the tag, else `latest`. */
export function referenceString(r: Reference): string {
  return r.digest ?? r.tag ?? DEFAULT_TAG;
}
