/**
 * A small Docker/OCI token server (distribution's `auth.token` protocol) for test registries.
 *
 * - `GET /token?service=…&scope=…&scope=…` with optional `Authorization: Basic …`
 *   (and `offline_token=true` for a refresh token);
 * - `POST /token` with an OAuth2 form: `grant_type=password` (username, password) or
 *   `grant_type=refresh_token` (refresh_token); `client_id` is required, as on Docker Hub.
 *
 * Like real servers it grants a SUBSET of the requested access instead of failing: read-only
 * users get `pull` only, anonymous callers get `pull` only when `anonymousPull` is set and
 * nothing otherwise. A wrong password is a 401. Every request is recorded, without secrets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPrivateKey, createSign, randomBytes, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeOnExit } from './children.js';
import { closeHttpServer, listenLoopback, LOOPBACK } from './net.js';

/** One entry of a token's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** What the token server saw in one request (no passwords, no tokens). */
export interface TokenRequestRecord {
  method: string;
  path: string;
  /** GET query parameters, or the POST form fields without `password`/`refresh_token`. */
  params: Record<string, string[]>;
  /** Kind of `Authorization` header that arrived. */
  authorization: 'none' | 'basic' | 'bearer' | 'other';
  /** The authenticated user, when credentials were valid. */
  user?: string;
  /** Requested scopes, as sent. */
  scopes: string[];
  /** Access granted in the issued token (empty on failure). */
  granted: TokenAccess[];
  status: number;
}

export interface TokenServerOptions {
  /** user → password; kept by reference, so tests may add users later. */
  users?: Record<string, string>;
  /** Users that are granted `pull` only. */
  readOnlyUsers?: string[];
  /** Anonymous callers get `pull` (default: nothing). */
  anonymousPull?: boolean;
  /** The `service` (token audience); default `gantry-test-registry`. */
  service?: string;
  /** The `iss` claim; default `gantry-test-issuer`. */
  issuer?: string;
  /** Token lifetime in seconds; default 300. */
  expiresIn?: number;
}

/** A running token server. */
export interface TokenServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The realm registries send in their challenge: `${url}/token`. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the signing certificate (distribution's `rootcertbundle`). */
  readonly certPath: string;
  /** Live options; tests may change `anonymousPull`, `readOnlyUsers`, `expiresIn` at run time. */
  readonly options: Required<Pick<TokenServerOptions, 'users' | 'readOnlyUsers' | 'anonymousPull' | 'expiresIn'>>;
  /** Every request received, oldest first. */
  readonly requests: TokenRequestRecord[];
  clear(): void;
  /** Mints a token directly (e.g. an already expired one: `expiresIn: -60`). */
  issue(subject: string, access: TokenAccess[], opts?: { expiresIn?: number }): string;
  close(): Promise<void>;
}

/** The P-256 key and self-signed certificate that sign test tokens (one per process). */
export interface SigningMaterial {
  key: KeyObject;
  certPath: string;
  /** Certificate DER, base64 (standard alphabet), for the JWT `x5c` header. */
  certDerBase64: string;
}

let material: Promise<SigningMaterial> | undefined;

/** Creates (once per process) the token signing key and certificate with `openssl`. */
export function signingMaterial(): Promise<SigningMaterial> {
  material ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-token-key-'));
    removeOnExit(dir);
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=gantry-test-token',
    ]);
    const certPem = await readFile(certPath, 'utf8');
    const certDerBase64 = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    return { key: createPrivateKey(await readFile(keyPath)), certPath, certDerBase64 };
  })();
  return material;
}

/**
 * Parses `type:name:actions`. The name may contain `:` (a `host:port`), so the type ends at the
 * first colon and the actions start after the last one. Returns undefined when malformed.
 */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** Formats an access entry back into scope syntax. */
export function formatScope(a: TokenAccess): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** Signs an ES256 JWT with `x5c`, as distribution's token verifier expects. */
export function signJwt(m: SigningMaterial, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [m.certDerBase64] }));
  const body = b64url(JSON.stringify(claims));
  const sig = createSign('sha256').update(`${header}.${body}`).sign({ key: m.key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${b64url(sig)}`;
}

type Principal = { kind: 'anonymous' } | { kind: 'user'; user: string } | { kind: 'denied' };

/** Starts a token server on a free loopback port. */
export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const m = await signingMaterial();
  const service = opts.service ?? 'gantry-test-registry';
  const issuer = opts.issuer ?? 'gantry-test-issuer';
  const options = {
    users: opts.users ?? {},
    readOnlyUsers: opts.readOnlyUsers ?? [],
    anonymousPull: opts.anonymousPull ?? false,
    expiresIn: opts.expiresIn ?? 300,
  };
  const requests: TokenRequestRecord[] = [];
  const refreshTokens = new Map<string, string>(); // token → user

  const issue = (subject: string, access: TokenAccess[], o: { expiresIn?: number } = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(m, {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + (o.expiresIn ?? options.expiresIn),
      nbf: now - 10,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    });
  };

  const checkPassword = (user: string, password: string): Principal =>
    Object.hasOwn(options.users, user) && options.users[user] === password ? { kind: 'user', user } : { kind: 'denied' };

  const grant = (p: Principal, scopes: string[]): TokenAccess[] => {
    if (p.kind === 'denied') return [];
    const allowed = (a: string): boolean =>
      p.kind === 'user' ? !options.readOnlyUsers.includes(p.user) || a === 'pull' : options.anonymousPull && a === 'pull';
    const out: TokenAccess[] = [];
    for (const s of scopes) {
      const parsed = parseScope(s);
      if (!parsed) continue;
      const actions = parsed.actions.filter(allowed);
      if (actions.length > 0) out.push({ ...parsed, actions });
    }
    return out;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const authz = req.headers.authorization ?? '';
    const record: TokenRequestRecord = {
      method: req.method ?? '',
      path: url.pathname,
      params: {},
      authorization: authz === '' ? 'none' : /^basic /i.test(authz) ? 'basic' : /^bearer /i.test(authz) ? 'bearer' : 'other',
      scopes: [],
      granted: [],
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return send(404, { error: 'not_found' });

    let params: URLSearchParams;
    if (req.method === 'GET') params = url.searchParams;
    else if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    } else return send(405, { error: 'method_not_allowed' });
    for (const [k, v] of params) {
      if (k === 'password' || k === 'refresh_token') continue;
      (record.params[k] ??= []).push(v);
    }
    if (params.getAll('service').some((s) => s !== service))
      return send(400, { error: 'invalid_request', error_description: 'unknown service' });
    record.scopes = params
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter((s) => s !== '');

    let principal: Principal = { kind: 'anonymous' };
    let wantRefresh: boolean;
    if (req.method === 'GET') {
      if (record.authorization === 'basic') {
        const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        principal = colon < 0 ? { kind: 'denied' } : checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
      }
      wantRefresh = params.get('offline_token') === 'true';
    } else {
      if (!params.get('client_id')) return send(400, { error: 'invalid_request', error_description: 'client_id required' });
      const grantType = params.get('grant_type');
      if (grantType === 'password') principal = checkPassword(params.get('username') ?? '', params.get('password') ?? '');
      else if (grantType === 'refresh_token') {
        const user = refreshTokens.get(params.get('refresh_token') ?? '');
        principal = user === undefined ? { kind: 'denied' } : { kind: 'user', user };
      } else return send(400, { error: 'unsupported_grant_type' });
      wantRefresh = params.get('access_type') === 'offline';
    }
    if (principal.kind === 'denied') {
      return send(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] },
        { 'www-authenticate': 'Basic realm="gantry-test-token"' },
      );
    }
    if (principal.kind === 'user') record.user = principal.user;
    record.granted = grant(principal, record.scopes);
    const token = issue(principal.kind === 'user' ? principal.user : '', record.granted);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: options.expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (req.method === 'POST') body.scope = record.granted.map(formatScope).join(' ');
    if (wantRefresh && principal.kind === 'user') {
      const rt = randomBytes(16).toString('hex');
      refreshTokens.set(rt, principal.user);
      body.refresh_token = rt;
    }
    send(200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  const port = await listenLoopback(server);
  const url = `http://${LOOPBACK}:${port}`;
  return {
    url,
    realm: `${url}/token`,
    service,
    issuer,
    certPath: m.certPath,
    options,
    requests,
    clear: () => void requests.splice(0),
    issue,
    close: () => closeHttpServer(server),
  };
}
