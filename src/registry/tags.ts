import type { CallOptions } from '../oci/store.js';
import type { RepoContext } from './repo-context.js';
import { TransportError } from './errors.js';
import { header, type RegistryRequest } from './transport.js';

/** Parses an RFC 8288 Link header and returns the `rel="next"` target, resolved against `base`. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2]!)) return new URL(m[1]!, base).toString();
  }
  return undefined;
}

/** GET /v2/<name>/tags/list, following `Link: <…>; rel="next"` pages. */
export async function listTags(ctx: RepoContext, o?: CallOptions & { pageSize?: number }): Promise<string[]> {
  const tags: string[] = [];
  let url: string | undefined = `${ctx.base}/tags/list?n=${o?.pageSize ?? 1000}`;
  for (let page = 0; url && page < 10_000; page++) {
    const req: RegistryRequest = { method: 'GET', url, scopes: ctx.pullScopes, idempotent: true, signal: o?.signal };
    const res = await ctx.transport.send(req);
    // A repository that does not exist yet has no tags.
    if (res.status === 404 && page === 0) {
      await res.body.dump().catch(() => undefined);
      return [];
    }
    await ctx.transport.expect(req, res, [200]);
    let body: { tags?: unknown };
    try {
      body = (await res.body.json()) as { tags?: unknown };
    } catch (e) {
      throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host}: the tag list of ${ctx.repository} is not JSON`, { cause: e });
    }
    if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === 'string') tags.push(t);
    url = nextLink(header(res.headers, 'link'), url);
  }
  return [...new Set(tags)].sort();
}
