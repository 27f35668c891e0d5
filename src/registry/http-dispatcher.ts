// The seam between Transport (auth, retries, redirects) and the client that moves bytes
// (node-http.ts): what Transport asks of an HTTP client. Tests may put another client behind it.

/** What Transport needs of an HTTP client: one request, answered by its response head with the body streaming behind. */
export interface HttpDispatcher {
  request(o: HttpRequestOptions): Promise<HttpResponse>;
}

export interface HttpRequestOptions {
  /** `http://host:port` or `https://host:port`. */
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** A streamed body is sent as it is read, with backpressure; it is checked against a Content-Length header when there is one. */
  readonly body: Uint8Array | AsyncIterable<Uint8Array> | null;
  readonly signal: AbortSignal | null;
  /**
   * The whole exchange (request, head, body to its end) within this many ms, however busy the
   * server keeps the connection (a drip, endless `100 Continue`, endless trailers): HttpError
   * DEADLINE_EXCEEDED. For requests and answers of known small size.
   */
  readonly deadlineMs?: number | undefined;
  /**
   * For transfers whose length has no useful bound (blobs): at least `bytesPerSecond` of body
   * (sent or received) in every `windowMs`, not counting waits that are the client's own (a slow
   * reader, a slow source): HttpError TRANSFER_TOO_SLOW.
   */
  readonly minRate?: { readonly bytesPerSecond: number; readonly windowMs: number } | undefined;
}

/** Response headers by lower-case name; Set-Cookie is the only list. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: ResponseHeaders;
  readonly body: ResponseBody;
}

/** The most a body read whole may have by default: more than any tag-list page or referrers index a registry sends. */
export const TEXT_LIMIT = 4 * 1024 * 1024;

/**
 * A response body: async-iterable chunks, or read whole, or dropped. It must be read to its end
 * or dropped (dump, destroy): until then its connection is not free for another request.
 */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  /** Reads and forgets a short body (the connection is kept), or drops a long one. Never fails. */
  dump(): Promise<void>;
  /**
   * Reads the whole body as text, at most `maxBytes` (default {@link TEXT_LIMIT}): a longer body is
   * dropped and HttpError BODY_TOO_LARGE thrown, so a hostile server cannot fill memory.
   */
  text(maxBytes?: number): Promise<string>;
  /** `text(maxBytes)` parsed as JSON. */
  json(maxBytes?: number): Promise<unknown>;
  /** Drops what is left; before its end this also closes the connection. */
  destroy(): void;
}
