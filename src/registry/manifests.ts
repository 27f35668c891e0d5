import type { Descriptor } from '../oci/descriptor.js';
import { digestOf, isDigest, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { MANIFEST_MEDIA_TYPES, MediaType } from '../oci/media-types.js';
import type { CallOptions, ManifestBytes } from '../oci/store.js';
import type { RepoContext } from './repo-context.js';
import { discard, header, type RegistryRequest, type RegistryResponse } from './transport.js';

/** Manifests larger than this are refused (distribution-spec: clients should accept at least 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

function manifestRequest(ctx: RepoContext, method: 'GET' | 'HEAD', reference: string, o?: CallOptions): RegistryRequest {
  return {
    method,
    url: `${ctx.base}/manifests/${reference}`,
    headers: { accept: ACCEPT },
    scopes: ctx.pullScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
}

function notFound(ctx: RepoContext, reference: string): OciError {
  const what = isDigest(reference) ? `manifest ${reference}` : `tag "${reference}"`;
  return new OciError('NOT_FOUND', `${what} not found in ${ctx.host}/${ctx.repository}`, { userError: true });
}

function contentType(res: RegistryResponse): string | undefined {
  return header(res.headers, 'content-type')?.split(';')[0]?.trim();
}

/** HEAD a manifest: its descriptor without the body, or undefined when absent. */
export async function headManifest(ctx: RepoContext, reference: string, o?: CallOptions): Promise<Descriptor | undefined> {
  const req = manifestRequest(ctx, 'HEAD', reference, o);
  const res = await ctx.transport.send(req);
  await res.body.dump().catch(() => undefined);
  if (res.status === 404) return undefined;
  await ctx.transport.expect(req, res, [200]);
  const digest = header(res.headers, 'docker-content-digest');
  const size = Number(header(res.headers, 'content-length'));
  const mediaType = contentType(res);
  if (!digest || !isDigest(digest) || !Number.isSafeInteger(size) || !mediaType) return undefined;
  return { mediaType, digest, size };
}

/**
 * GET a manifest by tag or digest. The bytes are capped at 4 MiB and their digest is computed
 * here: it must equal the digest asked for, and the Docker-Content-Digest header if present.
 */
export async function fetchManifest(ctx: RepoContext, reference: string, o?: CallOptions): Promise<ManifestBytes> {
  const req = manifestRequest(ctx, 'GET', reference, o);
  const res = await ctx.transport.send(req);
  if (res.status === 404) {
    discard(res);
    throw notFound(ctx, reference);
  }
  await ctx.transport.expect(req, res, [200]);
  const declared = Number(header(res.headers, 'content-length') ?? '0');
  if (declared > MAX_MANIFEST_BYTES) {
    discard(res);
    throw new OciError(
      'MANIFEST_TOO_LARGE',
      `${ctx.host}/${ctx.repository}: manifest ${reference} is ${declared} bytes, more than the ${MAX_MANIFEST_BYTES} gantry accepts`,
    );
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_MANIFEST_BYTES) {
      discard(res);
      throw new OciError(
        'MANIFEST_TOO_LARGE',
        `${ctx.host}/${ctx.repository}: manifest ${reference} is larger than the ${MAX_MANIFEST_BYTES} bytes gantry accepts`,
      );
    }
    parts.push(c);
  }
  const bytes = Buffer.concat(parts, n);
  const wantDigest = isDigest(reference) ? reference : undefined;
  const got = digestOf(bytes, wantDigest?.startsWith('sha512:') ? 'sha512' : 'sha256');
  const claimed = header(res.headers, 'docker-content-digest');
  if (
    (wantDigest && got !== wantDigest) ||
    (claimed && isDigest(claimed) && claimed.startsWith('sha256:') && got.startsWith('sha256:') && claimed !== got)
  ) {
    throw new OciError(
      'DIGEST_MISMATCH',
      `${ctx.host}/${ctx.repository}: the manifest returned for ${reference} does not match its digest (expected ${wantDigest ?? claimed}, got ${got}); refusing it`,
    );
  }
  const mediaType = manifestMediaType(bytes, contentType(res), `${ctx.host}/${ctx.repository}@${reference}`);
  return { descriptor: { mediaType, digest: got, size: n }, bytes };
}

/**
 * The media type of manifest bytes: the `mediaType` field, which must agree with Content-Type
 * when both are present (distribution-spec: reject a mismatch), else Content-Type, else the shape.
 */
export function manifestMediaType(bytes: Uint8Array, declared: string | undefined, where: string): string {
  let field: unknown;
  let shape: string | undefined;
  try {
    const j = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    field = j.mediaType;
    shape = Array.isArray(j.manifests) ? MediaType.OciIndex : j.config !== undefined ? MediaType.OciManifest : undefined;
  } catch (e) {
    throw new OciError('MANIFEST_INVALID', `${where}: the manifest is not valid JSON`, { cause: e });
  }
  if (typeof field === 'string' && field) {
    if (declared && declared !== field && MANIFEST_MEDIA_TYPES.includes(declared as never)) {
      throw new OciError('MANIFEST_INVALID', `${where}: Content-Type ${declared} does not match the manifest's mediaType ${field}`);
    }
    return field;
  }
  if (declared && declared !== 'application/json' && declared !== 'application/octet-stream') return declared;
  if (shape) return shape;
  throw new OciError(
    'MANIFEST_INVALID',
    `${where}: cannot tell the manifest's media type (no mediaType field, Content-Type ${declared ?? 'missing'})`,
  );
}

/** The subject digest a manifest names, if any (to maintain the referrers fallback tag). */
export function manifestSubject(bytes: Uint8Array): Digest | undefined {
  try {
    const j = JSON.parse(Buffer.from(bytes).toString('utf8')) as { subject?: { digest?: unknown } };
    const d = j.subject?.digest;
    return typeof d === 'string' && isDigest(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

/** PUT a manifest's exact bytes under a tag or its digest; returns whether the registry handled `subject`. */
export async function putManifest(
  ctx: RepoContext,
  m: ManifestBytes,
  reference: string,
  o?: CallOptions,
): Promise<{ ociSubject: boolean }> {
  const req: RegistryRequest = {
    method: 'PUT',
    url: `${ctx.base}/manifests/${reference}`,
    headers: { 'content-type': m.descriptor.mediaType },
    body: m.bytes,
    scopes: ctx.pushScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await ctx.transport.expect(req, res, [200, 201]);
  await res.body.dump().catch(() => undefined);
  const stored = header(res.headers, 'docker-content-digest');
  if (stored && isDigest(stored) && stored !== m.descriptor.digest) {
    throw new OciError(
      'DIGEST_MISMATCH',
      `${ctx.host}/${ctx.repository}: the registry stored the manifest as ${stored}, expected ${m.descriptor.digest}`,
    );
  }
  return { ociSubject: header(res.headers, 'oci-subject') !== undefined };
}

/** DELETE a manifest (by digest) or a tag. */
export async function deleteManifest(ctx: RepoContext, reference: string, o?: CallOptions): Promise<void> {
  const req: RegistryRequest = {
    method: 'DELETE',
    url: `${ctx.base}/manifests/${reference}`,
    scopes: [`repository:${ctx.repository}:delete`, ...ctx.pushScopes],
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  if (res.status === 404) {
    discard(res);
    throw notFound(ctx, reference);
  }
  await ctx.transport.expect(req, res, [200, 202, 204]);
  await res.body.dump().catch(() => undefined);
}
