import { openLayout } from '../layout/index.js';
import { GantryError } from '../oci/errors.js';
import type { Store } from '../oci/store.js';
import { formatRepository } from '../oci/reference.js';
import { RegistryClient } from '../registry/client.js';
import { chainCredentials, dockerConfigCredentials, staticCredentials, type CredentialSource } from '../registry/credentials.js';
import type { Location } from '../release/location.js';

/** Options shared by every command that talks to registries. */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly username?: string;
  readonly passwordStdin?: boolean;
  readonly insecureRegistry?: string[];
  readonly verbose?: boolean;
}

/** The composition root: builds clients and stores from options and the environment. */
export class CliContext {
  readonly #client: RegistryClient;
  readonly log: (message: string) => void;

  readonly #credentials: CredentialSource;

  private constructor(client: RegistryClient, credentials: CredentialSource, log: (m: string) => void) {
    this.#client = client;
    this.#credentials = credentials;
    this.log = log;
  }

  /** Whether credentials are configured for the registry of a location (layouts need none). */
  async hasCredentials(l: Location): Promise<boolean> {
    return l.kind === 'layout' || (await this.#credentials.get(l.ref.registry)) !== undefined;
  }

  static async create(o: GlobalOptions, hosts: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
    const sources: CredentialSource[] = [];
    if (o.username !== undefined || o.passwordStdin) {
      if (!o.username || !o.passwordStdin) {
        throw new GantryError('USAGE', '--username and --password-stdin go together: pass the user name with --username and the password on standard input', { userError: true });
      }
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (!password) throw new GantryError('USAGE', '--password-stdin: standard input was empty', { userError: true });
      const explicit = { kind: 'basic' as const, username: o.username, password };
      sources.push(staticCredentials(Object.fromEntries(hosts.map((h) => [h, explicit]))));
    }
    // Helpers (ecr-login, gcloud) need the whole environment, as docker gives them.
    sources.push(dockerConfigCredentials({ env: { ...env } }));
    const log = (m: string) => {
      if (o.verbose || !m.includes('retrying')) process.stderr.write(`gantry: ${m}\n`);
    };
    const timeout = Number(env.GANTRY_BODY_TIMEOUT_MS ?? '') || undefined;
    const credentials = chainCredentials(...sources);
    const client = new RegistryClient({
      credentials,
      userAgent: 'gantry/0.1',
      insecureRegistries: o.insecureRegistry ?? [],
      log,
      ...(timeout ? { bodyTimeoutMs: timeout, headersTimeoutMs: timeout } : {}),
    });
    return new CliContext(client, credentials, log);
  }

  /** Opens the store of a location; a layout is created when `create` (copy destinations). */
  async store(l: Location, create = false): Promise<Store> {
    if (l.kind === 'layout') return openLayout(l.path, { create });
    return this.#client.repository(l.ref.registry, formatRepository(l.ref).slice(l.ref.registry.length + 1));
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
