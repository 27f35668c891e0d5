import { staticCredentials, type CredentialSource } from './credentials.js';
import { createRepoContext } from './repo-context.js';
import { RegistryRepository } from './repository.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../async/retry.js';
import { Transport, type TransportDeadlines } from './transport.js';
import { NodeHttpClient, type HttpDispatcher } from './node-http.js';
import type { ProxyConfig } from './proxy.js';
import type { TlsTrust } from './tls-trust.js';

export interface RegistryClientOptions {
  /** Where credentials come from (docker config, explicit flags); anonymous when absent. */
  readonly credentials?: CredentialSource;
  readonly userAgent?: string;
  readonly retry?: RetryPolicy;
  /** Hosts spoken to over plain HTTP besides loopback ones (`--insecure-registry`). */
  readonly insecureRegistries?: readonly string[];
  /** Warnings and retry notices; never credentials. */
  readonly log?: (message: string) => void;
  /** Keep-alive connections per registry origin. */
  readonly connectionsPerHost?: number;
  /** Abort a response whose body makes no progress for this long (stalled transfers). */
  readonly bodyTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** Blobs at least this large are uploaded in chunks with resume. */
  readonly chunkThreshold?: number;
  readonly chunkSize?: number;
  /** Overall deadlines per kind of request and the minimum rate of blob transfers (transport.ts DEFAULT_DEADLINES). */
  readonly deadlines?: TransportDeadlines;
  /** An existing dispatcher (tests); the client then does not close it. */
  readonly dispatcher?: HttpDispatcher;
  /** Proxies (proxy.ts, from HTTPS_PROXY, HTTP_PROXY and NO_PROXY); none: direct connections. */
  readonly proxy?: ProxyConfig | undefined;
  /** CAs and client certificates per host (tls-trust.ts); none: Node's defaults. */
  readonly trust?: TlsTrust | undefined;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** Docker Hub's API lives on another host than its name (distribution/reference normalize.go). */
export function apiHostOf(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * A client for OCI registries: one keep-alive connection pool shared by all hosts, one
 * transport (auth state, token cache) per host, and `Store` handles per repository.
 */
export class RegistryClient {
  readonly #o: RegistryClientOptions;
  readonly #dispatcher: HttpDispatcher;
  readonly #own: NodeHttpClient | undefined;
  readonly #transports = new Map<string, Transport>();

  constructor(o: RegistryClientOptions = {}) {
    this.#o = o;
    this.#own = o.dispatcher
      ? undefined
      : new NodeHttpClient({
          // As many as a copy keeps busy (48 small blobs in flight): fewer would close and reopen connections between blobs.
          maxIdlePerOrigin: o.connectionsPerHost ?? 64,
          bodyTimeoutMs: o.bodyTimeoutMs ?? 60_000,
          headersTimeoutMs: o.headersTimeoutMs ?? 60_000,
          proxy: o.proxy,
          trust: o.trust,
        });
    this.#dispatcher = o.dispatcher ?? this.#own!;
  }

  /** Plain HTTP only for loopback registries and ones named insecure. */
  schemeOf(registry: string): 'http' | 'https' {
    return LOOPBACK.test(registry) || (this.#o.insecureRegistries ?? []).includes(registry) ? 'http' : 'https';
  }

  #transport(registry: string): Transport {
    let t = this.#transports.get(registry);
    if (!t) {
      t = new Transport({
        host: registry,
        origin: `${this.schemeOf(registry)}://${apiHostOf(registry)}`,
        dispatcher: this.#dispatcher,
        credentials: this.#o.credentials ?? staticCredentials({}),
        userAgent: this.#o.userAgent ?? 'gantry',
        retry: this.#o.retry ?? DEFAULT_RETRY,
        deadlines: this.#o.deadlines,
        log: this.#o.log,
      });
      this.#transports.set(registry, t);
    }
    return t;
  }

  /**
   * A `Store` for `repository` in `registry` (as named in a reference: `docker.io`, `ghcr.io`,
   * `localhost:5000`). `push`: the caller will write to it. Every repository opened on a host is
   * in the next token asked for there, so one token serves a copy or a release across them.
   */
  repository(registry: string, repository: string, o: { readonly push?: boolean } = {}): RegistryRepository {
    const transport = this.#transport(registry);
    const ctx = createRepoContext(transport, this.schemeOf(registry), apiHostOf(registry), repository, {
      chunkThreshold: this.#o.chunkThreshold ?? 256 * 1024 * 1024,
      chunkSize: this.#o.chunkSize ?? 16 * 1024 * 1024,
    });
    transport.expectScopes(o.push ? ctx.pushScopes : ctx.pullScopes);
    return new RegistryRepository(ctx);
  }

  async close(): Promise<void> {
    await this.#own?.close();
  }
}
