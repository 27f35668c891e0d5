import { GantryError } from '../oci/errors.js';

/**
 * Codes of the HTTP client's own errors. Transport classifies them (retry, or report as the
 * registry's fault) by code, as it does Node's network errors (ECONNREFUSED, EPIPE, …).
 */
export type HttpErrorCode =
  /** The peer broke HTTP/1.1 framing, or a request header or length was invalid: never retried. */
  | 'HTTP_PROTOCOL'
  | 'CONNECT_TIMEOUT'
  | 'HEADERS_TIMEOUT'
  | 'BODY_TIMEOUT'
  /** The connection closed before the response was complete (as a reset: the request may be retried). */
  | 'ECONNRESET'
  /** A request on a client that was closed. */
  | 'ERR_CLIENT_CLOSED'
  /** The request's body failed (its source broke or did not verify): the fault is the source's. */
  | 'REQUEST_BODY_FAILED';

/** Errors of gantry's HTTP client (registry/http1*.ts). */
export class HttpError extends GantryError<HttpErrorCode> {}
