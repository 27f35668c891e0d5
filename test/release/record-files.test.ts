// The records `gantry build` left in a working copy: which belong to this release, and why the others
// are ignored (never an error).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/oci/digest.js';
import { DIGEST_RECORD_SCHEMA, type DigestRecord } from '../../src/plan/digest-record.js';
import type { Plan } from '../../src/plan/release.js';
import { workingCopyRecords, writeRecord } from '../../src/release/record-files.js';
import { tempDir } from '../support/images.js';

const REV = 'a'.repeat(40);
const plan = {
  version: '1.0.0',
  prerelease: false,
  revision: REV,
  created: '2024-05-01T10:00:00Z',
  images: [{ name: 'api', platforms: ['linux/amd64', 'linux/arm64'] }],
} as unknown as Plan;

function record(platform: string, extra: Partial<DigestRecord> = {}): DigestRecord {
  return {
    schema: DIGEST_RECORD_SCHEMA,
    image: 'api',
    platform,
    digest: parseDigest(`sha256:${'1'.repeat(64)}`),
    size: 100,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    repository: 'ghcr.io/acme/api',
    revision: REV,
    version: '1.0.0',
    ...extra,
  };
}

describe('workingCopyRecords', () => {
  it('no directory: nothing, not complete, no note', async () => {
    expect(await workingCopyRecords(join(await tempDir(), 'none'), plan)).toEqual({ records: [], complete: false, notes: [] });
  });

  it('every platform of this revision and version: complete', async () => {
    const dir = await tempDir();
    for (const p of ['linux/amd64', 'linux/arm64']) await writeRecord(dir, record(p));
    const r = await workingCopyRecords(dir, plan);
    expect(r.complete).toBe(true);
    expect(r.records.map((x) => x.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(r.notes).toEqual([]);
  });

  it('other revisions, another version, another image, a file that is no record: ignored with a note each', async () => {
    const dir = await tempDir();
    await writeRecord(join(dir, 'old'), record('linux/amd64', { revision: 'b'.repeat(40) }));
    await writeRecord(join(dir, 'v2'), record('linux/arm64', { version: '2.0.0' }));
    await writeRecord(join(dir, 'other'), record('linux/amd64', { image: 'web' }));
    await writeRecord(dir, record('linux/amd64'));
    await writeFile(join(dir, 'notes.json'), '{"hello": 1}\n');
    const r = await workingCopyRecords(dir, plan);
    expect(r.records).toHaveLength(1);
    expect(r.complete).toBe(false);
    const notes = r.notes.join('\n');
    expect(notes).toMatch(/ignoring 1 build record\(s\) in .* of other revisions \(bbbbbbbbbbbb\), not this revision aaaaaaaaaaaa/);
    expect(notes).toMatch(/v2\/.*: built as version 2\.0\.0, this release is 1\.0\.0/);
    expect(notes).toMatch(/web linux\/amd64 is not one of the release's images and platforms/);
    expect(notes).toMatch(/notes\.json: .*schema/);
  });
});
