// The outputs of a build step: which digest records this run wrote (the record directory may hold
// older ones), the artifact name to upload them under, and the digest when there is one platform.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Prefix of the artifacts build steps upload (the same as src/ci's RECORDS_ARTIFACT_PREFIX; a test keeps them equal). */
export const RECORDS_ARTIFACT_PREFIX = 'gantry-records-';

/** File name → a fingerprint that changes when gantry rewrites it (records are replaced by rename). */
export type RecordSnapshot = ReadonlyMap<string, string>;

/** The *.json files of `dir` (none when it does not exist). */
export async function snapshotRecords(dir: string): Promise<RecordSnapshot> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    const s = await stat(join(dir, n));
    out.set(n, `${s.ino}:${s.mtimeMs}:${s.size}`);
  }
  return out;
}

export interface BuiltRecord {
  readonly file: string;
  readonly image: string;
  readonly platform: string;
  readonly digest: string;
}

/** Records in `dir` that are new or rewritten since `before`. */
export async function recordsWritten(dir: string, before: RecordSnapshot): Promise<BuiltRecord[]> {
  const after = await snapshotRecords(dir);
  const out: BuiltRecord[] = [];
  for (const [name, print] of after) {
    if (before.get(name) === print) continue;
    const j = JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
    if (j.schema !== 'gantry.build.v1' || typeof j.image !== 'string' || typeof j.platform !== 'string' || typeof j.digest !== 'string') continue;
    out.push({ file: name, image: j.image, platform: j.platform, digest: j.digest });
  }
  return out;
}

/** Step outputs of a build: `artifact` (`gantry-records-<image>-<os>-<arch>`, several joined by `_`) and, for one platform, `digest`. */
export function buildOutputs(records: readonly BuiltRecord[]): Record<string, string> {
  if (records.length === 0) return {};
  const stems = records.map((r) => `${r.image}-${r.platform.replace(/\//g, '-')}`).sort();
  return { artifact: `${RECORDS_ARTIFACT_PREFIX}${stems.join('_')}`, ...(records.length === 1 ? { digest: records[0]!.digest } : {}) };
}
