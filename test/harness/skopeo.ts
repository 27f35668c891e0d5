/**
 * Running the real `skopeo` (1.9) against test registries and layouts.
 *
 * Every run gets the global `--insecure-policy` (no policy.json needed) and, unless the caller
 * sets `REGISTRY_AUTH_FILE`, an empty auth file of its own, so credentials on the machine never
 * leak into a test. Credentials in arguments are masked in error messages.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from './children.js';

export interface SkopeoOptions {
  /** Kill skopeo after this long; default 150 000 ms (below the integration tests' timeout). */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

export interface SkopeoResult {
  stdout: string;
  /** stdout exactly as written (e.g. `inspect --raw` manifest bytes). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** `user:password`, or a `{ username, password }` object (e.g. `TestRegistry.defaultUser`). */
export type SkopeoCreds = string | { username: string; password: string };

const credsArg = (c: SkopeoCreds): string => (typeof c === 'string' ? c : `${c.username}:${c.password}`);

let authFile: string | undefined;
function emptyAuthFile(): string {
  if (authFile === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-skopeo-auth-'));
    removeOnExit(dir);
    authFile = join(dir, 'auth.json');
    writeFileSync(authFile, '{"auths":{}}\n');
  }
  return authFile;
}

/** `args` with the values of credential flags replaced by `***`. */
function masked(args: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^(--(?:src-|dest-)?(?:creds|password|registry-token))(=.*)?$/.exec(a);
    if (m && m[2] !== undefined) out.push(`${m[1]}=***`);
    else if (m) {
      out.push(a, '***');
      i++;
    } else out.push(a);
  }
  return out.join(' ');
}

/** Runs `skopeo --insecure-policy ARGS`; rejects with skopeo's stderr on failure. */
export function runSkopeo(args: readonly string[], opts: SkopeoOptions = {}): Promise<SkopeoResult> {
  const env = { ...process.env, REGISTRY_AUTH_FILE: emptyAuthFile(), ...opts.env };
  const full = ['--insecure-policy', ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'skopeo',
      full,
      { env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 150_000 },
      (err, stdout, stderr) => {
        const result = { stdout: stdout.toString('utf8'), stdoutBytes: stdout, stderr: stderr.toString('utf8') };
        if (!err) return resolve(result);
        const how = err.killed ? `killed (${err.signal ?? 'timeout'})` : `exit ${String(err.code)}`;
        const error = new Error(`skopeo ${masked(full)} failed (${how}):\n${result.stderr.trim()}`) as Error & Partial<SkopeoResult>;
        Object.assign(error, result);
        reject(error);
      },
    );
  });
}

/**
 * `skopeo copy --all` of `oci:LAYOUT:TAG` to `docker://HOST/REPO:TAG` over plain HTTP.
 * Returns the digest skopeo pushed (the index digest, from `--digestfile`).
 */
export async function skopeoCopyToRegistry(
  layoutDir: string,
  tag: string,
  registry: string | { host: string },
  repo: string,
  creds?: SkopeoCreds,
  opts?: SkopeoOptions,
): Promise<SkopeoResult & { digest: string }> {
  const host = typeof registry === 'string' ? registry : registry.host;
  const tmp = await mkdtemp(join(tmpdir(), 'gantry-skopeo-'));
  try {
    const digestFile = join(tmp, 'digest');
    const result = await runSkopeo(
      [
        'copy',
        '--all',
        '--dest-tls-verify=false',
        '--digestfile',
        digestFile,
        ...(creds === undefined ? [] : ['--dest-creds', credsArg(creds)]),
        `oci:${layoutDir}:${tag}`,
        `docker://${host}/${repo}:${tag}`,
      ],
      opts,
    );
    return { ...result, digest: (await readFile(digestFile, 'utf8')).trim() };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `skopeo inspect --raw` of `docker://HOST/REPO:REF` over plain HTTP; `stdoutBytes` is the manifest. */
export function skopeoInspectRaw(
  registry: string | { host: string },
  repoAndRef: string,
  creds?: SkopeoCreds,
  opts?: SkopeoOptions,
): Promise<SkopeoResult> {
  const host = typeof registry === 'string' ? registry : registry.host;
  return runSkopeo(
    [
      'inspect',
      '--raw',
      '--tls-verify=false',
      ...(creds === undefined ? [] : ['--creds', credsArg(creds)]),
      `docker://${host}/${repoAndRef}`,
    ],
    opts,
  );
}
