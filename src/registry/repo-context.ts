import type { CallOptions } from '../oci/store.js';
import type { RegistryRequest, Transport } from './transport.js';
import { repositoryScope } from './challenge.js';

/** What every request of one repository needs: its transport, base URL and token scopes. */
export interface RepoContext {
  readonly transport: Transport;
  /** `http(s)://host/v2/<repository>` */
  readonly base: string;
  readonly host: string;
  readonly repository: string;
  readonly pullScopes: readonly string[];
  readonly pushScopes: readonly string[];
  /** Blob size from which uploads go in chunks (PATCH) with resume, instead of one PUT. */
  readonly chunkThreshold: number;
  readonly chunkSize: number;
}

export function createRepoContext(
  transport: Transport,
  scheme: 'http' | 'https',
  apiHost: string,
  repository: string,
  o: { chunkThreshold: number; chunkSize: number },
): RepoContext {
  return {
    transport,
    base: `${scheme}://${apiHost}/v2/${repository}`,
    host: transport.host,
    repository,
    pullScopes: [repositoryScope(repository, ['pull'])],
    // Push scope first: some registries read only the first scope (ggcr write.go, scopesForUploadingImage).
    pushScopes: [repositoryScope(repository, ['pull', 'push'])],
    chunkThreshold: o.chunkThreshold,
    chunkSize: o.chunkSize,
  };
}

/** Resolves an upload `Location` (absolute or relative, maybe with a query) and adds parameters. */
export function uploadUrl(base: string, location: string, params: Record<string, string> = {}): string {
  const u = new URL(location, base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** A GET of the repository that only reads (pull scope), safe to send again: tag and referrer pages. */
export function pullGet(ctx: RepoContext, url: string, o?: CallOptions): RegistryRequest {
  return { method: 'GET', url, scopes: ctx.pullScopes, idempotent: true, signal: o?.signal, retryBudget: o?.retryBudget };
}
