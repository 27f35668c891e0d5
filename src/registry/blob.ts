import type { Descriptor } from '../oci/descriptor.js';
import type { CallOptions } from '../oci/store.js';
import { errnoCode, GantryError, OciError } from '../oci/errors.js';
import { isTemporaryError } from '../async/retry.js';
import { VERIFIED_DIGEST, verified } from '../oci/verified-stream.js';
import { repositoryScope } from './challenge.js';
import { uploadUrl, type RepoContext } from './repo-context.js';
import { RegistryError, TransportError } from './errors.js';
import { discard, header, type RegistryRequest, type RegistryResponse, type Transport } from './transport.js';

/** HEAD /v2/<name>/blobs/<digest>: 200 present, 404 absent. */
export async function blobExists(ctx: RepoContext, desc: Descriptor, o?: CallOptions): Promise<boolean> {
  const req: RegistryRequest = {
    method: 'HEAD',
    url: `${ctx.base}/blobs/${desc.digest}`,
    scopes: ctx.pullScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await res.body.dump().catch(() => undefined);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await ctx.transport.error(req, res);
}

/** GET a blob as a verified stream (follows redirects to object storage without credentials). */
export async function fetchBlob(ctx: RepoContext, desc: Descriptor, o?: CallOptions): Promise<AsyncIterable<Uint8Array>> {
  const req: RegistryRequest = {
    method: 'GET',
    url: `${ctx.base}/blobs/${desc.digest}`,
    scopes: ctx.pullScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  if (res.status === 404) {
    discard(res);
    throw new OciError('NOT_FOUND', `blob ${desc.digest} not found in ${ctx.host}/${ctx.repository}`);
  }
  await ctx.transport.expect(req, res, [200]);
  const len = header(res.headers, 'content-length');
  if (len !== undefined && Number(len) !== desc.size) {
    discard(res);
    throw new OciError(
      'SIZE_MISMATCH',
      `${ctx.host}/${ctx.repository}: blob ${desc.digest} is ${len} bytes, the descriptor says ${desc.size}`,
    );
  }
  return downloadOf(res, verified(res.body, desc, `${ctx.host}/${ctx.repository}: `), `${ctx.host}/${ctx.repository}`, desc);
}

/**
 * The verified body of a blob download, which (unlike a bare async generator) drops the
 * connection when its consumer stops before reading (so a failed upload does not leave the
 * download's socket open), and names the source when the download breaks.
 */
function downloadOf(res: RegistryResponse, body: AsyncGenerator<Uint8Array>, where: string, desc: Descriptor): AsyncIterable<Uint8Array> {
  return {
    [VERIFIED_DIGEST]: desc.digest,
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        try {
          return await body.next();
        } catch (e) {
          if (e instanceof GantryError || (e as { name?: unknown } | null)?.name === 'AbortError') throw e;
          throw new TransportError(
            'REGISTRY_UNREACHABLE',
            `${where}: the download of ${desc.digest} broke off (${errnoCode(e) ?? (e as Error).message})`,
            {
              cause: e,
              temporary: isTemporaryError(e),
            },
          );
        }
      },
      return: async () => {
        discard(res);
        return body.return(undefined);
      },
    }),
  } as AsyncIterable<Uint8Array>;
}

/**
 * Cross-repository mount (POST …/uploads/?mount=&from=). 201 means mounted; 202 means the
 * registry opened an ordinary upload instead, which we cancel.
 */
export async function mountBlob(ctx: RepoContext, desc: Descriptor, from: string, o?: CallOptions): Promise<boolean> {
  const req: RegistryRequest = {
    method: 'POST',
    url: `${ctx.base}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
    headers: { 'content-length': '0' },
    scopes: [...ctx.pushScopes, repositoryScope(from, ['pull'])],
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  if (res.status === 201) {
    await res.body.dump().catch(() => undefined);
    return true;
  }
  if (res.status === 202) {
    await res.body.dump().catch(() => undefined);
    await cancelUpload(ctx, header(res.headers, 'location'));
    return false;
  }
  throw await ctx.transport.error(req, res);
}

async function cancelUpload(ctx: RepoContext, location: string | undefined): Promise<void> {
  if (!location) return;
  const req: RegistryRequest = { method: 'DELETE', url: uploadUrl(ctx.base, location), scopes: ctx.pushScopes, idempotent: true };
  const res = await ctx.transport.send(req).catch(() => undefined);
  await res?.body.dump().catch(() => undefined);
}

async function startUpload(ctx: RepoContext, o?: CallOptions): Promise<string> {
  const req: RegistryRequest = {
    method: 'POST',
    url: `${ctx.base}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scopes: ctx.pushScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await ctx.transport.expect(req, res, [202]);
  await res.body.dump().catch(() => undefined);
  const location = header(res.headers, 'location');
  if (!location) throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host} opened an upload without a Location header`);
  return uploadUrl(ctx.base, location);
}

async function* counted(src: AsyncIterable<Uint8Array>, onProgress?: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    onProgress?.(c.byteLength);
    yield c;
  }
}

/**
 * Blobs up to this size are read whole before they are uploaded: the request can then be sent
 * again after a failure, and can be a single POST. (At most the copy's blobs in flight are held.)
 */
export const SMALL_BLOB_BYTES = 1024 * 1024;

/**
 * Per registry host (its Transport): whether it takes a whole blob in one POST
 * (`…/uploads/?digest=`, answering 201), learnt from the first small upload; 'asking' while that
 * one is out. Hosts that answer 202 (CNCF distribution, which ignores the body) get POST then
 * PUT from then on: the fallback costs one extra round trip, once per host.
 */
const singlePost = new WeakMap<Transport, boolean | 'asking'>();

/**
 * Uploads a blob. A small one (≤ SMALL_BLOB_BYTES) is read whole and sent in one POST where the
 * registry takes that, otherwise with POST then PUT (the POST sent while the bytes still arrive).
 * A larger one streams: one PUT below the chunk threshold, PATCH chunks with resume from the
 * registry's `Range` above it. The body is verified as it streams, so a wrong byte aborts the
 * upload before the registry commits it.
 */
export async function pushBlob(
  ctx: RepoContext,
  desc: Descriptor,
  body: AsyncIterable<Uint8Array> | Uint8Array,
  o?: CallOptions,
): Promise<void> {
  const src = body instanceof Uint8Array ? single(body) : body;
  const checked = counted(verified(src, desc), o?.onProgress);
  if (desc.size <= SMALL_BLOB_BYTES) return pushSmallBlob(ctx, desc, checked, o);
  const location = await startUpload(ctx, o);
  if (desc.size >= ctx.chunkThreshold && !(body instanceof Uint8Array)) {
    await uploadChunked(ctx, location, desc, checked, o);
    return;
  }
  await putUpload(ctx, location, desc, checked, body instanceof Uint8Array, o);
}

async function pushSmallBlob(ctx: RepoContext, desc: Descriptor, checked: AsyncIterable<Uint8Array>, o?: CallOptions): Promise<void> {
  const known = singlePost.get(ctx.transport);
  if (known === false || known === 'asking') {
    const [location, bytes] = await Promise.all([startUpload(ctx, o), collect(checked, desc.size)]);
    return putUpload(ctx, location, desc, bytes, true, o);
  }
  const bytes = await collect(checked, desc.size);
  if (known === undefined) singlePost.set(ctx.transport, 'asking');
  const req: RegistryRequest = {
    method: 'POST',
    url: `${ctx.base}/blobs/uploads/?digest=${encodeURIComponent(desc.digest)}`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body: bytes,
    scopes: ctx.pushScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  let res: RegistryResponse;
  try {
    res = await ctx.transport.send(req);
  } catch (e) {
    if (known === undefined) singlePost.delete(ctx.transport);
    throw e;
  }
  if (res.status === 201) {
    singlePost.set(ctx.transport, true);
    await res.body.dump().catch(() => undefined);
    return;
  }
  if (res.status === 202) {
    // The registry opened an ordinary upload (and ignored the body): PUT the bytes to it.
    singlePost.set(ctx.transport, false);
    await res.body.dump().catch(() => undefined);
    const location = header(res.headers, 'location');
    if (!location) throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host} opened an upload without a Location header`);
    return putUpload(ctx, uploadUrl(ctx.base, location), desc, bytes, true, o);
  }
  if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500) {
    if (known === undefined) singlePost.delete(ctx.transport);
    throw await ctx.transport.error(req, res);
  }
  // Some other refusal of the single POST (400, 404, 405…): upload the ordinary way from now on.
  singlePost.set(ctx.transport, false);
  discard(res);
  return putUpload(ctx, await startUpload(ctx, o), desc, bytes, true, o);
}

/** PUT <location>?digest=: the whole blob, or the end of a session whose Location it is. */
async function putUpload(
  ctx: RepoContext,
  location: string,
  desc: Descriptor,
  body: AsyncIterable<Uint8Array> | Uint8Array,
  replayable: boolean,
  o?: CallOptions,
): Promise<void> {
  const req: RegistryRequest = {
    method: 'PUT',
    url: uploadUrl(ctx.base, location, { digest: desc.digest }),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body,
    scopes: ctx.pushScopes,
    idempotent: replayable,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await ctx.transport.expect(req, res, [201]);
  await res.body.dump().catch(() => undefined);
}

async function* single(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

async function collect(src: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  for await (const c of src) {
    out.set(c, n);
    n += c.byteLength;
  }
  return out;
}

/**
 * Chunked upload (distribution-spec "Pushing a blob in chunks"). Each chunk streams as it is
 * read while its bytes are kept (bounded by chunkSize); when a PATCH fails, the registry is
 * asked how far it got (GET <location> → Range) and the rest of the chunk is sent again.
 */
async function uploadChunked(
  ctx: RepoContext,
  firstLocation: string,
  desc: Descriptor,
  src: AsyncIterable<Uint8Array>,
  o?: CallOptions,
): Promise<void> {
  let location = firstLocation;
  const reader = new SerialReader(src, desc);
  let offset = 0;
  // One buffer for the whole upload keeps the current chunk's bytes for a resend (memory: one chunk).
  const kept = Buffer.allocUnsafe(Math.min(ctx.chunkSize, desc.size));
  while (offset < desc.size) {
    const end = Math.min(offset + ctx.chunkSize, desc.size);
    let keptBytes = 0;
    let generation = 0;
    // One step reads the next piece of [offset, end) and keeps it for a resend; steps never overlap.
    const step = (): Promise<Uint8Array | undefined> =>
      reader.serial(async () => {
        const room = end - offset - keptBytes;
        if (room <= 0) return undefined;
        const c = await reader.read(room);
        kept.set(c, keptBytes);
        keptBytes += c.byteLength;
        return c;
      });
    const chunkStream = async function* (gen: number): AsyncGenerator<Uint8Array> {
      for (;;) {
        if (gen !== generation) return;
        const c = await step();
        if (!c) return;
        yield c;
      }
    };
    try {
      location = await patchChunk(ctx, location, offset, end, chunkStream(generation), o);
    } catch (e) {
      if (reader.sourceError) throw reader.sourceError.error;
      if (!isResumable(e)) throw e;
      // Stop the failed request's reader, read the rest of this chunk, ask the registry where it stands, resend from there.
      generation++;
      while (await step());
      location = await resumeChunk(ctx, location, offset, end, kept.subarray(0, keptBytes), o);
    }
    offset = end;
  }
  await reader.finish();
  const req: RegistryRequest = {
    method: 'PUT',
    url: uploadUrl(ctx.base, location, { digest: desc.digest }),
    headers: { 'content-length': '0' },
    scopes: ctx.pushScopes,
    idempotent: true,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await ctx.transport.expect(req, res, [201]);
  await res.body.dump().catch(() => undefined);
}

/** Reads a stream in pieces of at most `max` bytes, one caller at a time. */
class SerialReader {
  readonly #it: AsyncIterator<Uint8Array>;
  readonly #desc: Descriptor;
  #carry: Uint8Array | undefined;
  #read = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** The source itself failed (not the upload): resuming the upload cannot help. */
  sourceError: { readonly error: unknown } | undefined;

  constructor(src: AsyncIterable<Uint8Array>, desc: Descriptor) {
    this.#it = src[Symbol.asyncIterator]();
    this.#desc = desc;
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async read(max: number): Promise<Uint8Array> {
    let c = this.#carry;
    this.#carry = undefined;
    if (!c) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.#it.next();
      } catch (e) {
        this.sourceError = { error: e };
        throw e;
      }
      if (r.done) throw new OciError('SIZE_MISMATCH', `${this.#desc.digest}: source ended at ${this.#read} of ${this.#desc.size} bytes`);
      c = r.value;
    }
    if (c.byteLength > max) {
      this.#carry = c.subarray(max);
      c = c.subarray(0, max);
    }
    this.#read += c.byteLength;
    return c;
  }

  /** Reads to the end: the verifying source throws here if the whole blob's digest is wrong. */
  async finish(): Promise<void> {
    const rest = await this.#it.next();
    if (!rest.done || this.#carry) throw new OciError('SIZE_EXCEEDED', `${this.#desc.digest}: more than ${this.#desc.size} bytes`);
  }
}

function isResumable(e: unknown): boolean {
  if (e instanceof OciError) return false;
  if (e instanceof RegistryError) return e.temporary || e.status === 416;
  if (e instanceof TransportError) return e.temporary;
  return false;
}

async function patchChunk(
  ctx: RepoContext,
  location: string,
  start: number,
  end: number,
  body: AsyncIterable<Uint8Array> | Uint8Array,
  o?: CallOptions,
): Promise<string> {
  const req: RegistryRequest = {
    method: 'PATCH',
    url: location,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(end - start),
      'content-range': `${start}-${end - 1}`,
    },
    body,
    scopes: ctx.pushScopes,
    idempotent: false,
    signal: o?.signal,
    retryBudget: o?.retryBudget,
  };
  const res = await ctx.transport.send(req);
  await ctx.transport.expect(req, res, [202]);
  await res.body.dump().catch(() => undefined);
  const next = header(res.headers, 'location');
  return next ? uploadUrl(ctx.base, next) : location;
}

/** After a failed PATCH: GET the upload status, then send what the registry lacks of this chunk. */
async function resumeChunk(
  ctx: RepoContext,
  location: string,
  start: number,
  end: number,
  bytes: Uint8Array,
  o?: CallOptions,
): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const req: RegistryRequest = {
      method: 'GET',
      url: location,
      scopes: ctx.pushScopes,
      idempotent: true,
      signal: o?.signal,
      retryBudget: o?.retryBudget,
    };
    const res = await ctx.transport.send(req);
    await ctx.transport.expect(req, res, [204]);
    await res.body.dump().catch(() => undefined);
    const loc = header(res.headers, 'location');
    if (loc) location = uploadUrl(ctx.base, loc);
    const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res.headers, 'range') ?? '');
    // distribution answers `0-0` both for an empty upload and for one byte; at a chunk starting
    // at 0 the empty reading is the likely one (a one-byte upload then gets a 416 and a retry).
    const have = range ? (range[1] === '0' && start === 0 ? 0 : Number(range[1]) + 1) : 0;
    if (have < start || have > end) {
      throw new TransportError(
        'REGISTRY_PROTOCOL',
        `${ctx.host}: the upload is at byte ${have}, outside the chunk ${start}-${end - 1} being resent`,
      );
    }
    if (have === end) return location;
    try {
      return await patchChunk(ctx, location, have, end, bytes.subarray(have - start), o);
    } catch (e) {
      if (!isResumable(e)) throw e;
    }
  }
  throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host}: could not resume the upload of bytes ${start}-${end - 1} after 5 attempts`);
}
