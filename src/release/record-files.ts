// Digest records on disk: written by `gantry build` (one file per platform, atomically), read by
// `gantry publish --records` (CI artifact downloads: the directory and one level of subfolders).
// Both sides use the one schema in plan/digest-record.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { BuildResult } from '../builders/backend.js';
import { DIGEST_RECORD_SCHEMA, parseDigestRecord, recordFileName, type DigestRecord } from '../plan/digest-record.js';
import type { Plan } from '../plan/release.js';
import { ReleaseError } from './errors.js';

/** Where `gantry build` writes its records by default, relative to the working directory. */
export const DEFAULT_RECORD_DIR = '.gantry/records';

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

/** The directory of gantry's working files in a working copy: `.gantry/`, kept out of git. */
const WORKING_DIR = '.gantry';

/**
 * Creates `dir`; when it is inside a `.gantry/` directory that this call creates, writes a
 * `.gitignore` of `*` there, so that records and other working files never end up committed (a
 * `.gantry/` the user made is left as it is).
 */
async function makeRecordDir(dir: string): Promise<void> {
  const abs = resolve(dir);
  const parts = abs.split(sep);
  const at = parts.lastIndexOf(WORKING_DIR);
  const gantryDir = at < 0 ? undefined : parts.slice(0, at + 1).join(sep);
  const created = gantryDir !== undefined && (await mkdir(gantryDir, { recursive: true })) !== undefined;
  if (created) await writeFile(join(gantryDir, '.gitignore'), "# gantry's working files (digest records): not for git\n*\n");
  await mkdir(abs, { recursive: true });
}

/** Writes a digest record into `dir` (created when missing) atomically: temp file, then rename. Returns its path. */
export async function writeRecord(dir: string, record: DigestRecord): Promise<string> {
  await makeRecordDir(dir);
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

/** What `gantry build` left in a working copy for a release: its records, whether they cover every platform, and what was ignored. */
export interface WorkingCopyRecords {
  /** The records of this revision and version, for the release's images and platforms. */
  readonly records: DigestRecord[];
  /** True when they cover every platform of every image, once each. */
  readonly complete: boolean;
  /** One line per record ignored, and why (another revision, another version, not a record). */
  readonly notes: string[];
}

/**
 * The records in `dir` (a working copy's .gantry/records) that belong to this release: built from
 * its revision, for its version, one of its images' platforms. The others are ignored with a note,
 * never an error: they are left over from builds of other commits.
 */
export async function workingCopyRecords(dir: string, plan: Plan): Promise<WorkingCopyRecords> {
  const files = (await recordFiles(dir)) ?? [];
  const records: DigestRecord[] = [];
  const notes: string[] = [];
  const ignored = { revisions: new Set<string>(), files: 0 };
  for (const file of files) {
    let r: DigestRecord;
    try {
      r = await readRecord(file);
    } catch (e) {
      notes.push(`ignoring ${file}: ${(e as Error).message.replace(`${file}: `, '')}`);
      continue;
    }
    if (r.revision !== plan.revision) {
      ignored.revisions.add(r.revision.slice(0, 12));
      ignored.files++;
    } else if ((r.version ?? undefined) !== plan.version) {
      notes.push(`ignoring ${file}: built as version ${r.version ?? '(none)'}, this release is ${plan.version ?? 'not a version'}`);
    } else if (!plan.images.some((i) => i.name === r.image && i.platforms.includes(r.platform))) {
      notes.push(`ignoring ${file}: ${r.image} ${r.platform} is not one of the release's images and platforms`);
    } else records.push(r);
  }
  if (ignored.files > 0) {
    notes.push(
      `ignoring ${ignored.files} build record(s) in ${dir} of other revisions (${[...ignored.revisions].join(', ')}), not this revision ${plan.revision.slice(0, 12)}`,
    );
  }
  const wanted = plan.images.flatMap((i) => i.platforms.map((p) => `${i.name} ${p}`));
  const have = records.map((r) => `${r.image} ${r.platform}`);
  const complete = records.length > 0 && wanted.every((w) => have.filter((h) => h === w).length === 1);
  return { records, complete, notes };
}
