// Digest records on disk: written by `gantry build` (one file per platform, atomically), read by
// `gantry publish --records` (CI artifact downloads: the directory and one level of subfolders).
// Both sides use the one schema in plan/digest-record.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildResult } from '../builders/backend.js';
import { DIGEST_RECORD_SCHEMA, parseDigestRecord, recordFileName, type DigestRecord } from '../plan/digest-record.js';
import { ReleaseError } from './errors.js';

/** The record of one built platform. */
export function makeRecord(image: string, repository: string, revision: string, version: string | undefined, r: BuildResult): DigestRecord {
  return {
    schema: DIGEST_RECORD_SCHEMA,
    image,
    platform: r.platform,
    digest: r.descriptor.digest,
    size: r.descriptor.size,
    mediaType: r.descriptor.mediaType,
    compressedSize: r.compressedSize,
    repository,
    backend: r.backend,
    revision,
    ...(version !== undefined ? { version } : {}),
    timings: { seconds: Number(r.seconds.toFixed(3)) },
  };
}

/** Writes a digest record into `dir` (created when missing) atomically: temp file, then rename. Returns its path. */
export async function writeRecord(dir: string, record: DigestRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, recordFileName(record.image, record.platform));
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}

/** The record files (*.json) in `dir` and one level of subfolders, sorted; undefined when `dir` does not exist. */
export async function recordFiles(dir: string): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const files: string[] = [];
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.json')) files.push(join(dir, e.name));
    else if (e.isDirectory()) for (const f of await readdir(join(dir, e.name))) if (f.endsWith('.json')) files.push(join(dir, e.name, f));
  }
  return files.sort();
}

/** Reads one record file; a file that is not a record is a user error naming the file and the field. */
export async function readRecord(file: string): Promise<DigestRecord> {
  const parsed = parseDigestRecord(await readFile(file, 'utf8'));
  if (!parsed.ok) throw new ReleaseError('RECORD_INVALID', `${file}: ${parsed.problem}`, { userError: true });
  return parsed.record;
}

/** Reads every digest record under `dir` (see recordFiles). */
export async function readRecords(dir: string): Promise<DigestRecord[]> {
  const files = await recordFiles(dir);
  if (files === undefined) {
    throw new ReleaseError('RECORDS_MISSING', `--records ${dir}: no such directory; download the build records (artifacts) there first`, {
      userError: true,
    });
  }
  const records = await Promise.all(files.map(readRecord));
  if (records.length === 0)
    throw new ReleaseError('RECORDS_MISSING', `--records ${dir}: no build records (*.json) found`, { userError: true });
  return records;
}
