import type { Descriptor } from '../oci/descriptor.js';
import { digestHex, digestOf, digestAlgorithm, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { MediaType } from '../oci/media-types.js';
import type { CallOptions } from '../oci/store.js';
import { pullGet, type RepoContext } from './repo-context.js';
import { fetchManifest, putManifest } from './manifests.js';
import { nextLink } from './tags.js';
import { TransportError } from './errors.js';
import { HttpError } from './http-errors.js';
import { header } from './transport.js';

/** The referrers tag-schema fallback tag of a subject: `sha256-<hex>` (distribution-spec §referrers tag schema). */
export function referrersTag(subject: Digest): string {
  return `${digestAlgorithm(subject)}-${digestHex(subject)}`;
}

interface RawIndex {
  manifests?: unknown;
}

function descriptorsOf(j: RawIndex): Descriptor[] {
  return Array.isArray(j.manifests) ? (j.manifests.filter((d) => typeof d === 'object' && d !== null) as Descriptor[]) : [];
}

/**
 * Lists referrers of `subject`: the referrers API when the registry has it (200 with the exact OCI
 * index Content-Type, as ggcr checks), otherwise the fallback tag. Filters by artifactType
 * client-side too, since registries may ignore the filter.
 */
export async function listReferrers(ctx: RepoContext, subject: Digest, artifactType?: string, o?: CallOptions): Promise<Descriptor[]> {
  let url: string | undefined =
    `${ctx.base}/referrers/${subject}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`;
  const found: Descriptor[] = [];
  let api = true;
  for (let page = 0; url && page < 1000; page++) {
    const req = pullGet(ctx, url, o);
    const res = await ctx.transport.send(req);
    const type = header(res.headers, 'content-type')?.split(';')[0]?.trim();
    if (res.status !== 200 || type !== MediaType.OciIndex) {
      await res.body.dump().catch(() => undefined);
      if (page === 0) {
        api = false;
        break;
      }
      await ctx.transport.expect(req, res, [200]);
    }
    let pageBody: RawIndex;
    try {
      pageBody = (await res.body.json()) as RawIndex;
    } catch (e) {
      // A page is at most TEXT_LIMIT (4 MiB): a longer one is dropped unread. A failed body is that failure.
      if (!(e instanceof SyntaxError) && !(e instanceof HttpError && e.code === 'BODY_TOO_LARGE')) throw e;
      throw new TransportError(
        'REGISTRY_PROTOCOL',
        `${ctx.host}: the referrers of ${subject} in ${ctx.repository}: ${e instanceof HttpError ? e.message : 'the answer is not JSON'}`,
        { cause: e },
      );
    }
    found.push(...descriptorsOf(pageBody ?? {}));
    url = nextLink(header(res.headers, 'link'), url);
  }
  if (!api) found.push(...(await readFallback(ctx, subject, o)));
  return artifactType ? found.filter((d) => d.artifactType === artifactType) : found;
}

async function readFallback(ctx: RepoContext, subject: Digest, o?: CallOptions): Promise<Descriptor[]> {
  try {
    const m = await fetchManifest(ctx, referrersTag(subject), o);
    if (m.descriptor.mediaType !== MediaType.OciIndex) return [];
    return descriptorsOf(JSON.parse(Buffer.from(m.bytes).toString('utf8')) as RawIndex);
  } catch (e) {
    if (e instanceof OciError && e.code === 'NOT_FOUND') return [];
    throw e;
  }
}

/** The descriptor of a referrer as listed in a referrers index (artifactType and annotations copied). */
export function referrerDescriptor(desc: Descriptor, bytes: Uint8Array): Descriptor {
  const j = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    artifactType?: unknown;
    config?: { mediaType?: unknown };
    annotations?: Record<string, string>;
  };
  const artifactType =
    typeof j.artifactType === 'string' ? j.artifactType : typeof j.config?.mediaType === 'string' ? j.config.mediaType : undefined;
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType ? { artifactType } : {}),
    ...(j.annotations && Object.keys(j.annotations).length ? { annotations: j.annotations } : {}),
  };
}

/**
 * Adds a referrer to the fallback index at the subject's tag, for registries that did not answer
 * the manifest PUT with OCI-Subject. A tag holding something other than an index is left alone.
 */
export async function addToFallback(ctx: RepoContext, subject: Digest, referrer: Descriptor, o?: CallOptions): Promise<void> {
  const tag = referrersTag(subject);
  let manifests: Descriptor[] = [];
  try {
    const cur = await fetchManifest(ctx, tag, o);
    if (cur.descriptor.mediaType !== MediaType.OciIndex) {
      throw new OciError(
        'UNSUPPORTED',
        `${ctx.host}/${ctx.repository}: tag ${tag} holds ${cur.descriptor.mediaType}, not a referrers index; leaving it alone`,
      );
    }
    manifests = descriptorsOf(JSON.parse(Buffer.from(cur.bytes).toString('utf8')) as RawIndex);
  } catch (e) {
    if (!(e instanceof OciError && e.code === 'NOT_FOUND')) throw e;
  }
  if (manifests.some((d) => d.digest === referrer.digest)) return;
  manifests = [...manifests, referrer].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  await putManifest(ctx, { descriptor: { mediaType: MediaType.OciIndex, digest: digestOf(bytes), size: bytes.length }, bytes }, tag, o);
}
