// The composition root of the release library: the one place that builds registry clients and
// opens stores (a registry repository or an OCI layout) from the caller's options and environment.
import { openLayout } from '../layout/index.js';
import { formatRepository } from '../oci/reference.js';
import type { Store } from '../oci/store.js';
import { RegistryClient } from '../registry/client.js';
import { chainCredentials, dockerConfigCredentials, staticCredentials, type CredentialSource } from '../registry/credentials.js';
import { proxyConfigFromEnv } from '../registry/proxy.js';
import { TlsTrust } from '../registry/tls-trust.js';
import { ReleaseError } from './errors.js';
import type { Location } from './location.js';

/** The environment the library reads: the caller's (the CLI passes process.env, the Action its own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** How the library reaches registries. */
export interface ConnectionOptions {
  /**
   * DOCKER_CONFIG, HOME and the credential helpers' variables; GANTRY_BODY_TIMEOUT_MS; the proxy
   * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, upper or lower case); SSL_CERT_FILE; GANTRY_CERTS_D (the
   * certs.d directory, default /etc/docker/certs.d).
   */
  readonly env: Env;
  /** CA files (PEM) trusted for every registry besides the default roots (`--ca-file`). */
  readonly caFiles?: readonly string[] | undefined;
  /** Explicit credentials (`--username` + `--password-stdin`), for every registry the call talks to. */
  readonly login?: { readonly username: string; readonly password: string } | undefined;
  /** Registries spoken to in plain HTTP (loopback registries always are). */
  readonly insecureRegistries?: readonly string[] | undefined;
  /** Progress and retry notes for people. */
  readonly log?: ((line: string) => void) | undefined;
}

/** Registry hosts of locations (explicit credentials apply to these). */
export function hostsOf(locations: readonly Location[]): string[] {
  return [...new Set(locations.flatMap((l) => (l.kind === 'registry' ? [l.ref.registry] : [])))];
}

/** Registry clients and stores for one library call; close() when done. */
export class Connection {
  readonly #client: RegistryClient;
  readonly #credentials: CredentialSource;
  readonly log: (line: string) => void;

  private constructor(client: RegistryClient, credentials: CredentialSource, log: (line: string) => void) {
    this.#client = client;
    this.#credentials = credentials;
    this.log = log;
  }

  /** Connects for calls that talk to `hosts` (explicit credentials are bound to these hosts only). */
  static open(o: ConnectionOptions, hosts: readonly string[]): Connection {
    const sources: CredentialSource[] = [];
    if (o.login !== undefined) {
      if (o.login.username === '' || o.login.password === '') {
        throw new ReleaseError('USAGE', 'a login needs both a user name and a password', { userError: true });
      }
      const explicit = { kind: 'basic' as const, username: o.login.username, password: o.login.password };
      sources.push(staticCredentials(Object.fromEntries(hosts.map((h) => [h, explicit]))));
    }
    // Helpers (ecr-login, gcloud) need the whole environment, as docker gives them.
    sources.push(dockerConfigCredentials({ env: { ...o.env } }));
    const log = o.log ?? (() => undefined);
    const timeout = Number(o.env['GANTRY_BODY_TIMEOUT_MS'] ?? '') || undefined;
    const credentials = chainCredentials(...sources);
    // Both read now, so that a wrong proxy or CA file fails before anything is transferred.
    const proxy = proxyConfigFromEnv(o.env);
    const trust = new TlsTrust({ certsDir: o.env['GANTRY_CERTS_D'], caFiles: o.caFiles, sslCertFile: o.env['SSL_CERT_FILE'] });
    const client = new RegistryClient({
      proxy,
      trust,
      credentials,
      userAgent: 'gantry/0.1',
      insecureRegistries: o.insecureRegistries ?? [],
      log,
      ...(timeout ? { bodyTimeoutMs: timeout, headersTimeoutMs: timeout } : {}),
    });
    return new Connection(client, credentials, log);
  }

  /** Whether credentials are configured for the registry of a location (layouts need none). */
  async hasCredentials(l: Location): Promise<boolean> {
    return l.kind === 'layout' || (await this.#credentials.get(l.ref.registry)) !== undefined;
  }

  /** Opens the store of a location; a layout is created when `create` (copy destinations). */
  async store(l: Location, create = false): Promise<Store> {
    if (l.kind === 'layout') return openLayout(l.path, { create });
    return this.#client.repository(l.ref.registry, formatRepository(l.ref).slice(l.ref.registry.length + 1), { push: create });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Runs `f` with a connection to `hosts`, closing it afterwards. */
export async function withConnection<T>(o: ConnectionOptions, hosts: readonly string[], f: (c: Connection) => Promise<T>): Promise<T> {
  const c = Connection.open(o, hosts);
  try {
    return await f(c);
  } finally {
    await c.close();
  }
}
