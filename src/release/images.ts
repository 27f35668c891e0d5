// Library calls on one image or repository, by location text (`REGISTRY/REPO[:TAG][@DIGEST]`,
// `oci:DIR[:TAG]`): copy, inspect, list tags, verify.
import { assertLayoutTag } from '../layout/index.js';
import { isDigest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { isValidTag } from '../oci/reference.js';
import type { Platform } from '../oci/descriptor.js';
import { parsePlatform } from '../oci/platform.js';
import { copyImage, type CopyResult } from '../publish/copy.js';
import type { CopyEventListener } from '../publish/copy-events.js';
import { checkImage, type VerifyReport } from '../publish/image-policy.js';
import { inspectImage, type ImageSummary } from '../publish/inspect.js';
import { RegistryError, TransportError } from '../registry/errors.js';
import type { ListTagsOptions } from '../registry/tags.js';
import { hostsOf, withConnection, type ConnectionOptions, type Env } from './connection.js';
import { ReleaseError } from './errors.js';
import { locationReference, parseLocation, type Location } from './location.js';

export interface CopyImagesOptions extends ConnectionOptions {
  /** Copy only these platforms (makes a new index). */
  readonly platforms?: readonly Platform[] | undefined;
  /** Also copy referrers (signatures, SBOMs, attestations). */
  readonly referrers?: boolean | undefined;
  /** Blobs transferred at once (1 to 64). */
  readonly concurrency?: number | undefined;
  readonly onCopyEvent?: CopyEventListener | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Copies an image or index from `source` to every destination; the source is read once for all. */
export async function copyImages(source: string, destinations: readonly string[], o: CopyImagesOptions): Promise<CopyResult> {
  const from = parseLocation(source);
  const to = destinations.map(parseLocation);
  const concurrency = o.concurrency ?? 6;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ReleaseError('USAGE', `--concurrency must be a whole number from 1 to 64, not "${String(o.concurrency)}"`, {
      userError: true,
    });
  }
  const reference = imageReference(from);
  // Before any store is opened: opening a layout destination creates its directory.
  const tags = to.map((l) => checkedDestinationTag(from, l));
  return withConnection(o, hostsOf([from, ...to]), async (connection) => {
    const src = await connection.store(from);
    const targets = await Promise.all(to.map(async (l, i) => ({ store: await connection.store(l, true), tag: tags[i] })));
    return copyImage(src, reference, targets, {
      platforms: o.platforms ?? [],
      referrers: o.referrers ?? false,
      concurrency,
      onEvent: o.onCopyEvent,
      signal: o.signal,
    });
  });
}

/**
 * The tag a destination gets: the one it names; none when it names a digest; else the source's
 * tag (so `gantry copy reg/app:v1 oci:out` writes `oci:out:v1`, as skopeo would need spelled out).
 */
export function destinationTag(from: Location, to: Location): string | undefined {
  const named = to.kind === 'registry' ? (to.ref.digest ? null : to.explicitRef ? to.ref.tag : undefined) : to.ref;
  if (named === null) return undefined;
  if (named !== undefined) return isDigest(named) ? undefined : named;
  const source = from.kind === 'registry' ? (from.ref.digest ? undefined : (from.ref.tag ?? 'latest')) : from.ref;
  return source === undefined || isDigest(source) ? undefined : source;
}

/**
 * The destination's tag, checked for where it goes: a layout tag must also be a valid ref.name,
 * and a tag taken from a layout source (`team/app`) may be no registry tag at all.
 */
function checkedDestinationTag(from: Location, to: Location): string | undefined {
  const tag = destinationTag(from, to);
  if (tag === undefined) return undefined;
  const fromSource = to.kind === 'layout' ? to.ref === undefined : !to.explicitRef;
  const where = fromSource ? `${to.text} (the tag of the source; name another as ${to.text}:TAG): ` : `${to.text}: `;
  if (to.kind === 'layout') assertLayoutTag(tag, where);
  else if (!isValidTag(tag)) {
    throw new OciError(
      'REFERENCE_INVALID',
      `${where}invalid tag ${JSON.stringify(tag)} for a registry: use 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
      { userError: true },
    );
  }
  return tag;
}

/** An image's media type, digest, platforms, labels, annotations and referrers. */
export async function inspect(ref: string, o: ConnectionOptions): Promise<ImageSummary> {
  const loc = parseLocation(ref);
  const reference = imageReference(loc);
  return withConnection(o, hostsOf([loc]), async (connection) => inspectImage(await connection.store(loc), reference));
}

/**
 * Every tag of a repository (all pages), and the repository's name as gantry prints it. A repository
 * the registry does not know is an error (REPOSITORY_UNKNOWN), not an empty list: "no tags" would
 * hide a misspelt name. CNCF distribution gives the same 404 NAME_UNKNOWN for a repository that
 * holds manifests by digest only, so the message names both (as skopeo and crane fail on both).
 */
export async function listTags(repository: string, o: ConnectionOptions): Promise<{ repository: string; tags: string[] }> {
  const loc = parseLocation(repository);
  const name = loc.kind === 'registry' ? `${loc.ref.registry}/${loc.ref.repository}` : loc.text;
  const options: ListTagsOptions = { missingRepository: 'error' };
  const tags = await withConnection(o, hostsOf([loc]), async (connection) => {
    try {
      return await (await connection.store(loc)).listTags(options);
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) {
        const codes = e.diagnostics.map((d) => d.code).join(', ') || 'no error code';
        throw new ReleaseError(
          'REPOSITORY_UNKNOWN',
          `${name}: no such repository, or no tag in it (the registry answers 404, ${codes}; distribution answers so for both); check the name`,
          {
            userError: true,
            cause: e,
          },
        );
      }
      throw e;
    }
  });
  return { repository: name, tags };
}

export interface VerifyImageOptions extends ConnectionOptions {
  /** Platforms the index must have. */
  readonly platforms?: readonly Platform[] | undefined;
  /** Labels every platform must carry: key, or key with the value it must have. */
  readonly labels?: Readonly<Record<string, string | undefined>> | undefined;
  /** The pull is anonymous (`--anonymous`, with anonymousEnv): a registry asking for credentials means the image is not public. */
  readonly anonymous?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Checks a published image as its users pull it: platforms, every manifest, config and layer
 * reachable, labels. A report with `passed: false` is a refusal (the CLI exits 3), not an error.
 */
export async function verifyImage(ref: string, o: VerifyImageOptions): Promise<VerifyReport> {
  const loc = parseLocation(ref);
  const reference = imageReference(loc);
  return withConnection(o, hostsOf([loc]), async (connection) =>
    checkImage(await connection.store(loc), reference, {
      ...(o.platforms ? { platforms: o.platforms } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.anonymous === true ? { describeError: anonymousFailure } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }),
  );
}

/**
 * A failed anonymous pull, in words for `--anonymous`: the transport's own hint (`docker login`)
 * would not help a pull that uses no credentials.
 */
function anonymousFailure(e: unknown): string {
  const auth = (e instanceof RegistryError && e.status === 401) || (e instanceof TransportError && e.code === 'REGISTRY_AUTH');
  if (!auth) return (e as Error).message;
  return 'the registry asks for credentials, so anonymous users cannot pull it (it is not public): make it public, or drop --anonymous to verify with your credentials (log in first if need be)';
}

function imageReference(l: Location): string {
  const reference = locationReference(l);
  if (reference === undefined) throw new ReleaseError('USAGE', `${l.text}: name the image, e.g. ${l.text}:TAG`, { userError: true });
  return reference;
}

/** The environment of a pull without credentials (`--anonymous`): as a public user or a Kubernetes node pulls. */
export function anonymousEnv(env: Env): Env {
  return { PATH: env['PATH'], HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };
}

/** Platforms named in a comma-separated list (`linux/amd64,linux/arm64`). */
export function parsePlatformList(text: string | undefined): Platform[] {
  return (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((p) => parsePlatform(p.trim()));
}

/** Labels a verification requires: `key` (present) or `key=value` (with that value). */
export function parseLabelRequirements(flags: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    flags.map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, undefined] : [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}
