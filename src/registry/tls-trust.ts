// Which certificate authorities gantry trusts, and which client certificate it shows, per registry
// host, the way docker finds them:
// - `<certs.d>/<host[:port]>/` (docker's /etc/docker/certs.d layout): every `*.crt` is a CA trusted
//   for that host (docker's `ca.crt`, and any other `.crt`), every `<name>.cert` + `<name>.key` pair a
//   client certificate (docker's `client.cert` + `client.key`). A host on port 443 may also use the
//   directory without the port. skopeo and podman read the same layout (`--cert-dir`, containers-certs.d).
// - `--ca-file` (CLI and Action): CAs trusted for every host.
// - `SSL_CERT_FILE`: replaces the default roots (as OpenSSL, Go and so skopeo and crane treat it).
// - `NODE_EXTRA_CA_CERTS`: added to the roots by Node at process start; kept when the roots are replaced.
// CAs are added to the roots, never instead of them (a registry redirecting to public storage still works).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { errnoCode, GantryError } from '../oci/errors.js';

export type TlsTrustErrorCode =
  /** A CA or certificate file that cannot be read, or holds no PEM certificate. */
  | 'TLS_FILE_INVALID'
  /** A client certificate without its key (or the reverse), or a key that does not match its certificate. */
  | 'TLS_CLIENT_CERT_INVALID';

/** A CA or client-certificate file gantry was told to use is unusable: a user error naming the file. */
export class TlsTrustError extends GantryError<TlsTrustErrorCode> {}

/** docker's default certs.d directory. */
export const DEFAULT_CERTS_DIR = '/etc/docker/certs.d';

export interface TlsTrustOptions {
  /** docker's certs.d layout; default /etc/docker/certs.d. A directory that does not exist is no error. */
  readonly certsDir?: string | undefined;
  /** CA files (PEM) trusted for every host (`--ca-file`). */
  readonly caFiles?: readonly string[] | undefined;
  /** SSL_CERT_FILE: a PEM bundle that replaces the default roots. */
  readonly sslCertFile?: string | undefined;
}

/** What a TLS connection to one host uses: nothing (Node's defaults) or a secure context of its own. */
export interface HostTls {
  readonly secureContext?: tls.SecureContext;
}

/** The trust of one client: the global CAs read once, each host's certs.d directory on first use. */
export class TlsTrust {
  readonly certsDir: string;
  /** The roots every host trusts when gantry replaces Node's defaults; undefined: Node's defaults. */
  readonly #roots: readonly string[] | undefined;
  readonly #hosts = new Map<string, HostTls>();

  /** Reads `--ca-file` and SSL_CERT_FILE now, so that a wrong path fails before any transfer. */
  constructor(o: TlsTrustOptions = {}) {
    this.certsDir = o.certsDir || DEFAULT_CERTS_DIR;
    const extra = (o.caFiles ?? []).flatMap((f) => readCertificates(f, '--ca-file'));
    const replaced = o.sslCertFile ? readCertificates(o.sslCertFile, 'SSL_CERT_FILE') : undefined;
    this.#roots = replaced || extra.length > 0 ? [...(replaced ? [...replaced, ...extraOfNode()] : defaultRoots()), ...extra] : undefined;
  }

  /** The TLS options for a connection to `host` on `port` (read once per host; throws TlsTrustError). */
  forHost(host: string, port: number): HostTls {
    const key = `${host}:${port}`;
    let t = this.#hosts.get(key);
    if (!t) {
      t = this.#load(host, port);
      this.#hosts.set(key, t);
    }
    return t;
  }

  #load(host: string, port: number): HostTls {
    const name = host.includes(':') ? `[${host}]` : host;
    const dirs = [`${name}:${port}`, ...(port === 443 ? [name] : [])].map((d) => join(this.certsDir, d));
    for (const dir of dirs) {
      const files = listDir(dir);
      if (files === undefined) continue;
      const cas = files.filter((f) => f.endsWith('.crt')).flatMap((f) => readCertificates(join(dir, f), `certs.d (${dir})`));
      const pairs = clientPairs(dir, files);
      if (cas.length === 0 && pairs.length === 0) continue;
      const ca = [...(this.#roots ?? defaultRoots()), ...cas];
      try {
        return { secureContext: tls.createSecureContext({ ca, ...(pairs[0] ?? {}) }) };
      } catch (e) {
        throw new TlsTrustError(
          'TLS_CLIENT_CERT_INVALID',
          `${dir}: the client certificate and its key do not belong together (${(e as Error).message}); put a matching client.cert and client.key there`,
          { cause: e, userError: true },
        );
      }
    }
    return this.#roots ? { secureContext: tls.createSecureContext({ ca: [...this.#roots] }) } : {};
  }
}

/** The roots Node trusts by default: its bundled Mozilla store and NODE_EXTRA_CA_CERTS. */
function defaultRoots(): string[] {
  // tls.getCACertificates: Node 22.15+; before, the bundled roots alone.
  return typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : [...tls.rootCertificates];
}

function extraOfNode(): string[] {
  return typeof tls.getCACertificates === 'function' ? tls.getCACertificates('extra') : [];
}

function listDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new TlsTrustError('TLS_FILE_INVALID', `cannot read the certificate directory ${dir}: ${(e as Error).message}`, {
      cause: e,
      userError: true,
    });
  }
}

/** docker's pairs: `<name>.cert` with `<name>.key`; one without the other is an error, as in docker. */
function clientPairs(dir: string, files: readonly string[]): { cert: string; key: string }[] {
  const pairs: { cert: string; key: string }[] = [];
  for (const f of files) {
    if (f.endsWith('.cert')) {
      const key = `${f.slice(0, -'.cert'.length)}.key`;
      if (!files.includes(key)) throw missing(dir, f, key, 'key');
      pairs.push({ cert: readText(join(dir, f), 'client certificate'), key: readText(join(dir, key), 'client key') });
    } else if (f.endsWith('.key')) {
      const cert = `${f.slice(0, -'.key'.length)}.cert`;
      if (!files.includes(cert)) throw missing(dir, f, cert, 'certificate');
    }
  }
  return pairs;
}

function missing(dir: string, have: string, want: string, what: string): TlsTrustError {
  return new TlsTrustError(
    'TLS_CLIENT_CERT_INVALID',
    `${join(dir, have)} has no ${what} (docker pairs <name>.cert with <name>.key): put ${want} next to it, or remove it`,
    {
      userError: true,
    },
  );
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TlsTrustError('TLS_FILE_INVALID', `cannot read the ${what} ${path}: ${(e as Error).message}`, { cause: e, userError: true });
  }
}

/** The PEM certificates of a file, each checked; a file with none is an error naming `source`. */
function readCertificates(path: string, source: string): string[] {
  const pems = readText(path, `CA file (${source})`).match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    throw new TlsTrustError('TLS_FILE_INVALID', `${path} (${source}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`, {
      userError: true,
    });
  }
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new TlsTrustError('TLS_FILE_INVALID', `${path} (${source}): a certificate in it cannot be read (${(e as Error).message})`, {
        cause: e,
        userError: true,
      });
    }
  }
  return pems;
}
