import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { GantryError } from '../oci/errors.js';

export type CredentialErrorCode = 'CREDENTIALS_INVALID' | 'CREDENTIAL_HELPER_FAILED';

/** A docker config that cannot be used, or a credential helper that failed. Never carries a secret. */
export class CredentialError extends GantryError<CredentialErrorCode> {}

/**
 * What a credential helper prints for `get` (docker/docker-credential-helpers:credentials/credentials.go).
 * `Username === '<token>'` means `Secret` is an identity (OAuth refresh) token.
 */
export interface HelperResult {
  ServerURL?: string;
  Username: string;
  Secret: string;
}

export interface RunCredentialHelperOptions {
  /** Environment of the helper; its PATH is used to find `docker-credential-<name>`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Default 30 s; the helper is killed afterwards. */
  timeoutMs?: number;
  /** The registry and the config the helper was configured in, for error messages only. */
  context?: { host: string; configPath: string };
}

/** The exact text helpers print (to stdout, exit 1) on a miss: `credentials.errCredentialsNotFoundMessage`. */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Helpers print a few hundred bytes; anything far larger is not a credential. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs `docker-credential-<name> get`, writing `serverUrl` to its stdin, and returns its answer, or
 * undefined when it has no credentials for that server. Protocol:
 * docker/docker-credential-helpers:client/client.go (`Get`). Error messages never contain stdout
 * of a successful run (it holds the secret).
 */
export function runCredentialHelper(name: string, serverUrl: string, o: RunCredentialHelperOptions): Promise<HelperResult | undefined> {
  const program = `docker-credential-${name}`;
  const where = o.context ? ` for ${o.context.host}` : ` for ${serverUrl}`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env)) if (typeof v === 'string') env[k] = v;

  return new Promise((resolve, reject) => {
    // Helper failures are about the user's setup (login state, keychain, PATH): no stack trace.
    const fail = (message: string, cause?: unknown): void => {
      finish();
      reject(new CredentialError('CREDENTIAL_HELPER_FAILED', message, { cause, userError: true }));
    };
    let settled = false;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;

    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      // Invalid arguments (a NUL byte in the name or the environment) throw synchronously.
      reject(new CredentialError('CREDENTIAL_HELPER_FAILED', `${program} get${where} could not be started`, { cause: e, userError: true }));
      return;
    }
    const timer = setTimeout(() => {
      fail(`${program} get${where} did not answer within ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);
    function finish(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // A helper's own children may keep the pipes open; do not wait for them.
      child.stdout.destroy();
      child.stderr.destroy();
    }

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) {
        fail(`${program} get${where} printed more than ${MAX_OUTPUT_BYTES} bytes`);
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    // The helper may exit without reading stdin (EPIPE): its exit status tells what happened.
    child.stdin.on('error', () => {});
    child.stdin.end(serverUrl);

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      if (e.code === 'ENOENT') {
        fail(
          o.context
            ? `${program} is configured for ${o.context.host} in ${o.context.configPath} but was not found on PATH; install it or remove "credsStore"/"credHelpers" from the config`
            : `${program} was not found on PATH`,
          e,
        );
      } else {
        fail(`${program} get${where} could not be started: ${e.code ?? e.message}`, e);
      }
    });

    child.on('close', (code, signal) => {
      if (settled) return;
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (code !== 0) {
        // Helpers report errors on stdout (credentials.Serve); a miss is not an error.
        if (out.includes(NOT_FOUND_MESSAGE) || err.includes(NOT_FOUND_MESSAGE)) {
          finish();
          resolve(undefined);
          return;
        }
        const status = signal ? `killed by ${signal}` : `exit ${code}`;
        const detail = firstLine(err) || (out.trimStart().startsWith('{') ? '' : firstLine(out));
        fail(`${program} get${where} failed (${status})${detail ? `: ${detail}` : ''}`);
        return;
      }
      finish();
      if (!out.trim()) {
        resolve(undefined);
        return;
      }
      const parsed = parseHelperOutput(out);
      if (!parsed) {
        // Not echoing the output: it may hold the secret.
        reject(
          new CredentialError(
            'CREDENTIAL_HELPER_FAILED',
            `${program} get${where} printed something that is not {"ServerURL","Username","Secret"} JSON`,
            { userError: true },
          ),
        );
        return;
      }
      resolve(parsed);
    });
  });
}

function firstLine(s: string): string {
  for (const line of s.split(/\r?\n/)) {
    const t = line.trim();
    if (t) return t.length > 300 ? `${t.slice(0, 300)}…` : t;
  }
  return '';
}

function parseHelperOutput(out: string): HelperResult | undefined {
  let j: unknown;
  try {
    j = JSON.parse(out);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return undefined;
  const r = j as Record<string, unknown>;
  const username = r.Username ?? '';
  const secret = r.Secret ?? '';
  if (typeof username !== 'string' || typeof secret !== 'string') return undefined;
  return {
    ...(typeof r.ServerURL === 'string' ? { ServerURL: r.ServerURL } : {}),
    Username: username,
    Secret: secret,
  };
}
