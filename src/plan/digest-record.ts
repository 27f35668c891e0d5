// The digest record: what one `gantry build` of one platform leaves for `gantry publish`, possibly on
// another machine (a CI artifact). One zod schema is the record's only definition: the builder's
// writer is typed by it, and every reader (publish's fan-in, the Action's outputs) parses with it.
import { z } from 'zod';
import { isDigest } from '../oci/digest.js';

/** The version tag of the record format; readers refuse any other. */
export const DIGEST_RECORD_SCHEMA = 'gantry.build.v1';

const field = (description: string) => z.string().min(1, { error: 'must not be empty' }).describe(description);

export const digestRecordSchema = z.object({
  schema: z.literal(DIGEST_RECORD_SCHEMA, { error: `not a gantry build record (expected schema "${DIGEST_RECORD_SCHEMA}")` }),
  image: field('The image name in gantry.yml.'),
  platform: field('The canonical platform, e.g. linux/arm64.'),
  digest: z.string().refine(isDigest, { error: 'not a digest (sha256:<64 hex>)' }).describe('Digest of the platform manifest.'),
  size: z.number().int().nonnegative().describe('Size of the platform manifest in bytes.'),
  mediaType: field('Media type of the platform manifest.'),
  /** Manifest + config + layers, compressed, as a pull downloads them (absent in records of older tools). */
  compressedSize: z.number().nonnegative().optional(),
  repository: field('Where the manifest was pushed by digest: REGISTRY/REPO or oci:PATH.'),
  backend: z.string().optional().describe('The builder backend that built it.'),
  revision: field('The commit it was built from.'),
  version: z.string().optional(),
  timings: z.object({ seconds: z.number().nonnegative().optional() }).optional(),
});

/** A digest record, as written and as read. */
export type DigestRecord = z.infer<typeof digestRecordSchema>;

/** File name of a record: one per image and platform (`api-linux-arm64.json`). */
export function recordFileName(image: string, platform: string): string {
  return `${image}-${platform.replace(/\//g, '-')}.json`;
}

/** Parses a record's JSON text; the error names the first field at fault. */
export function parseDigestRecord(text: string): { ok: true; record: DigestRecord } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not JSON (${(e as Error).message})` };
  }
  const r = digestRecordSchema.safeParse(json);
  if (r.success) return { ok: true, record: r.data };
  const issue = r.error.issues[0]!;
  const at = issue.path.join('.');
  if (issue.path[0] === 'schema')
    return { ok: false, problem: `${issue.message}, found ${JSON.stringify((json as { schema?: unknown } | null)?.schema)}` };
  return { ok: false, problem: at === '' ? issue.message : `field "${at}": ${issue.message}` };
}
