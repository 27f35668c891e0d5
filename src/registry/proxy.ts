// Which proxy a registry request goes through, from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, with the
// rules of Go's golang.org/x/net/http/httpproxy (what docker, skopeo, crane and regctl use through
// net/http's ProxyFromEnvironment), so one environment sends every tool the same way:
// - upper-case names first, then lower-case (HTTPS_PROXY before https_proxy);
// - a value without a scheme is `http://` + the value;
// - HTTP_PROXY is ignored when REQUEST_METHOD is set (a CGI environment: golang.org/s/cgihttpproxy);
// - `localhost` and loopback addresses (127.0.0.0/8, ::1) never go through a proxy;
// - NO_PROXY entries: `*` (nothing is proxied), an IP (`10.1.2.3`, `[::1]:5000` with a port), a CIDR
//   (`10.0.0.0/8`), a domain (`example.com` matches it and its subdomains, `.example.com` and
//   `*.example.com` subdomains only), each with an optional `:port`.
// Where gantry differs: a proxy value that is not a URL, or a proxy that is not `http://`, is an
// error (Go ignores an unparsable one and goes direct, and speaks https and socks5 proxies).
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { GantryError } from '../oci/errors.js';

export type ProxyErrorCode =
  /** HTTPS_PROXY / HTTP_PROXY is not a proxy gantry can use. */
  | 'PROXY_INVALID'
  /** The proxy could not be reached. */
  | 'PROXY_UNREACHABLE'
  /** The proxy answered the tunnel request (CONNECT) with something other than 200. */
  | 'PROXY_REFUSED';

/** Errors of the proxy: its configuration, or the proxy server itself. Their messages name the proxy without its credentials. */
export class ProxyError extends GantryError<ProxyErrorCode> {}

/** A proxy server, parsed from its variable. */
export interface ProxyServer {
  readonly host: string;
  readonly port: number;
  /** `Basic …` from the URL's user:password, sent only to the proxy (Proxy-Authorization). */
  readonly authorization: string | undefined;
  /** `http://host:port` with no credentials, and the variable it came from: for messages. */
  readonly display: string;
}

/** Proxies for the two schemes and the NO_PROXY rules; `proxyFor` picks one per request. */
export interface ProxyConfig {
  readonly http: ProxyServer | undefined;
  readonly https: ProxyServer | undefined;
  readonly noProxy: readonly NoProxyEntry[];
}

type NoProxyEntry =
  | { readonly kind: 'all' }
  | { readonly kind: 'cidr'; readonly network: bigint; readonly bits: number; readonly family: 4 | 6 }
  | { readonly kind: 'ip'; readonly ip: bigint; readonly family: 4 | 6; readonly port: string }
  | { readonly kind: 'domain'; readonly suffix: string; readonly matchHost: boolean; readonly port: string };

type Env = Readonly<Record<string, string | undefined>>;

function firstOf(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** The proxy configuration of an environment; undefined when it names no proxy. Throws ProxyError (a user error) for a value gantry cannot use. */
export function proxyConfigFromEnv(env: Env): ProxyConfig | undefined {
  const httpVar = env['REQUEST_METHOD'] ? undefined : firstOf(env, 'HTTP_PROXY', 'http_proxy');
  const httpsVar = firstOf(env, 'HTTPS_PROXY', 'https_proxy');
  if (!httpVar && !httpsVar) return undefined;
  return {
    http: httpVar && parseProxy(httpVar.name, httpVar.value),
    https: httpsVar && parseProxy(httpsVar.name, httpsVar.value),
    noProxy: parseNoProxy(firstOf(env, 'NO_PROXY', 'no_proxy')?.value ?? ''),
  };
}

function parseProxy(name: string, value: string): ProxyServer {
  const invalid = (why: string): ProxyError =>
    new ProxyError('PROXY_INVALID', `${name}: ${why}; set it to http://[user:password@]host:port`, { userError: true });
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    // The value is not echoed: it may hold a password.
    throw invalid('not a proxy URL');
  }
  if (u.protocol !== 'http:')
    throw invalid(`a ${u.protocol.slice(0, -1)} proxy is not supported (only http:// proxies, which tunnel https with CONNECT)`);
  if (u.hostname === '') throw invalid('no host');
  const port = u.port === '' ? 80 : Number(u.port);
  const authorization =
    u.username === '' && u.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, authorization, display: `http://${u.host} (${name})` };
}

function parseNoProxy(value: string): NoProxyEntry[] {
  const entries: NoProxyEntry[] = [];
  for (const raw of value.split(',')) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p === '*') return [{ kind: 'all' }];
    const cidr = parseCidr(p);
    if (cidr) {
      entries.push(cidr);
      continue;
    }
    const [bracketed, port] = splitHostPort(p) ?? [p, ''];
    let host = bracketed.replace(/^\[(.*)\]$/, '$1');
    if (host === '') continue; // malformed (":80"): ignored, as Go does
    const ip = parseIp(host);
    if (ip) {
      entries.push({ kind: 'ip', ...ip, port });
      continue;
    }
    if (host.startsWith('*.')) host = host.slice(1);
    const matchHost = !host.startsWith('.');
    const suffix = domainToASCII(matchHost ? `.${host}` : host) || (matchHost ? `.${host}` : host);
    entries.push({ kind: 'domain', suffix, matchHost, port });
  }
  return entries;
}

/** `host:port` or `[v6]:port` → [host, port]; undefined when there is no port (Go's net.SplitHostPort). */
function splitHostPort(s: string): [string, string] | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d*)$/.exec(s);
  return m ? [m[1]!, m[2]!] : undefined;
}

function parseCidr(s: string): NoProxyEntry | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const bits = Number(m[2]);
  if (!ip || bits > (ip.family === 4 ? 32 : 128)) return undefined;
  return { kind: 'cidr', network: ip.ip, bits, family: ip.family };
}

/** An IP address as a number (IPv4-mapped IPv6 addresses as IPv4, as Go compares them). */
function parseIp(s: string): { ip: bigint; family: 4 | 6 } | undefined {
  if (isIP(s) === 4) return { ip: s.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n), family: 4 };
  if (isIP(s) !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) return parseIp(mapped[1]!);
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const words = (part: string | undefined): string[] => (part ? part.split(':') : []);
  // An embedded IPv4 tail (::1.2.3.4) is two words.
  const expand = (ws: string[]): number[] =>
    ws.flatMap((w) => {
      if (!w.includes('.')) return [parseInt(w, 16)];
      const v4 = parseIp(w)!.ip;
      return [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    });
  const h = expand(words(head));
  const t = expand(words(tail));
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return { ip: all.reduce((n, w) => (n << 16n) | BigInt(w), 0n), family: 6 };
}

function isLoopback(ip: { ip: bigint; family: 4 | 6 }): boolean {
  return ip.family === 4 ? ip.ip >> 24n === 127n : ip.ip === 1n;
}

/**
 * The proxy for a request to `origin` (`https://host:port`), or undefined to connect directly:
 * no proxy for its scheme, a loopback host, or a NO_PROXY match.
 */
export function proxyFor(config: ProxyConfig | undefined, origin: string): ProxyServer | undefined {
  if (!config) return undefined;
  const u = new URL(origin);
  const proxy = u.protocol === 'https:' ? config.https : u.protocol === 'http:' ? config.http : undefined;
  if (!proxy) return undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return bypasses(config.noProxy, domainToASCII(host) || host, port) ? undefined : proxy;
}

function bypasses(entries: readonly NoProxyEntry[], host: string, port: string): boolean {
  if (host === 'localhost') return true;
  const ip = parseIp(host);
  if (ip && isLoopback(ip)) return true;
  return entries.some((e) => {
    switch (e.kind) {
      case 'all':
        return true;
      case 'cidr':
        return (
          ip !== undefined &&
          ip.family === e.family &&
          ip.ip >> BigInt((e.family === 4 ? 32 : 128) - e.bits) === e.network >> BigInt((e.family === 4 ? 32 : 128) - e.bits)
        );
      case 'ip':
        return ip !== undefined && ip.family === e.family && ip.ip === e.ip && (e.port === '' || e.port === port);
      case 'domain':
        return (host.endsWith(e.suffix) || (e.matchHost && host === e.suffix.slice(1))) && (e.port === '' || e.port === port);
    }
  });
}
