import type { CallOptions } from '../oci/store.js';
import { pullGet, type RepoContext } from './repo-context.js';
import { TransportError } from './errors.js';
import { HttpError } from './http-errors.js';
import { header } from './transport.js';

/** Parses an RFC 8288 Link header and returns the `rel="next"` target, resolved against `base`. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2]!)) return new URL(m[1]!, base).toString();
  }
  return undefined;
}

/**
 * Most pages of a tag list gantry reads (at `n=1000`, ten million tags). A registry that still
 * sends a next page after that is looping or hostile.
 */
export const TAG_LIST_MAX_PAGES = 10_000;

export interface ListTagsOptions extends CallOptions {
  /** `n` of each page; default 1000 (registries may send fewer). */
  readonly pageSize?: number;
  /** Pages read before giving up; default TAG_LIST_MAX_PAGES. */
  readonly maxPages?: number;
  /** A repository the registry does not know (404): no tags (default, as plan needs), or the RegistryError. */
  readonly missingRepository?: 'empty' | 'error';
}

/**
 * GET /v2/<name>/tags/list, following `Link: <…>; rel="next"` pages
 * (distribution-spec spec.md#listing-tags). Every tag or an error: a list cut at `maxPages` is
 * refused (REGISTRY_PROTOCOL), never returned in part, since callers decide from what is absent
 * (plan moves `latest` only when no higher version is listed).
 */
export async function listTags(ctx: RepoContext, o?: ListTagsOptions): Promise<string[]> {
  const maxPages = o?.maxPages ?? TAG_LIST_MAX_PAGES;
  const tags: string[] = [];
  let url: string | undefined = `${ctx.base}/tags/list?n=${o?.pageSize ?? 1000}`;
  for (let page = 0; url; page++) {
    if (page === maxPages) {
      throw new TransportError(
        'REGISTRY_PROTOCOL',
        `${ctx.host}: the tag list of ${ctx.repository} did not end after ${maxPages} pages (${new Set(tags).size} tags so far): ` +
          'the registry keeps sending a Link to a next page. gantry does not use a list it could not read to the end; ' +
          "check the registry's tags/list pagination",
      );
    }
    const req = pullGet(ctx, url, o);
    const res = await ctx.transport.send(req);
    // A repository that does not exist yet has no tags.
    if (res.status === 404 && page === 0 && o?.missingRepository !== 'error') {
      await res.body.dump().catch(() => undefined);
      return [];
    }
    await ctx.transport.expect(req, res, [200]);
    let body: { tags?: unknown };
    try {
      body = (await res.body.json()) as { tags?: unknown };
    } catch (e) {
      if (e instanceof HttpError && e.code === 'BODY_TOO_LARGE') {
        throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host}: a page of the tag list of ${ctx.repository}: ${e.message}`, {
          cause: e,
        });
      }
      // A body that failed (a deadline, a reset) is that failure, not a page that is not JSON.
      if (!(e instanceof SyntaxError)) throw e;
      throw new TransportError('REGISTRY_PROTOCOL', `${ctx.host}: the tag list of ${ctx.repository} is not JSON`, { cause: e });
    }
    if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === 'string') tags.push(t);
    url = nextLink(header(res.headers, 'link'), url);
  }
  return [...new Set(tags)].sort();
}
