import { GantryError } from '../oci/errors.js';

/**
 * Codes of the HTTP client's own errors. Transport classifies them (retry, or report as the
 * registry's fault) by code, as it does Node's network errors (ECONNREFUSED, ECONNRESET, EPIPE…),
 * which the client passes on as Node raised them.
 */
export type HttpErrorCode =
  /** The peer broke HTTP/1.1 (Node's parser refused the response), or a request header or length was invalid: never retried. */
  | 'HTTP_PROTOCOL'
  | 'CONNECT_TIMEOUT'
  | 'HEADERS_TIMEOUT'
  | 'BODY_TIMEOUT'
  /** A request of bounded size did not finish within its deadline (a drip, endless 1xx or trailers). */
  | 'DEADLINE_EXCEEDED'
  /** A transfer moved less than its minimum rate over a whole window. */
  | 'TRANSFER_TOO_SLOW'
  /** A request on a client that was closed. */
  | 'ERR_CLIENT_CLOSED'
  /** The request's body failed (its source broke or did not verify): the fault is the source's. */
  | 'REQUEST_BODY_FAILED'
  /** A body read whole was longer than its limit: it was dropped, not read (a hostile or broken server). */
  | 'BODY_TOO_LARGE';

/** Errors of gantry's HTTP client (registry/node-http.ts). */
export class HttpError extends GantryError<HttpErrorCode> {}

/**
 * The body of a request failed (its source broke, or did not verify, or did not match its
 * Content-Length). Transport hands on the cause: the fault is the source's, not the registry's.
 */
export class RequestBodyError extends HttpError {
  constructor(readonly source: unknown) {
    super('REQUEST_BODY_FAILED', `the request body failed: ${source instanceof Error ? source.message : String(source)}`, {
      cause: source,
    });
  }
}
