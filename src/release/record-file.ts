import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordFileName, type DigestRecord } from './digest-record.js';

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
