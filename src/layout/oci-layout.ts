import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OciError } from '../oci/errors.js';
import { MediaType } from '../oci/media-types.js';
import { writeFileAtomic } from './atomic-file.js';
import { lstatOptional, notRealDirectory, readRegularFile } from './no-follow.js';

/** The only layout version there is (image-spec image-layout.md#oci-layout-file). */
export const IMAGE_LAYOUT_VERSION = '1.0.0';

/** `index.json` of a new layout. skopeo omits `mediaType`; the image-spec says SHOULD, so we write it. */
export const EMPTY_INDEX_JSON = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });

/**
 * Checks that `dir` is an OCI image layout, creating one when asked and `oci-layout` is missing.
 * Creation writes `blobs/sha256/`, then `index.json` (unless present), then `oci-layout` last:
 * `oci-layout` marks the directory as a layout, so an interrupted creation is simply redone.
 */
export async function ensureLayout(dir: string, o: { readonly create: boolean; readonly fsync: boolean }): Promise<void> {
  const header = await readRegularFile(join(dir, 'oci-layout'));
  await assertBlobDirectories(dir);
  if (header === undefined) {
    if (!o.create) {
      throw new OciError(
        'NOT_FOUND',
        `${dir} is not an OCI image layout (no oci-layout file); check the path, or write to it to create a new layout`,
        { userError: true },
      );
    }
    await createLayout(dir, o.fsync);
    return;
  }
  checkHeader(dir, header);
}

async function createLayout(dir: string, fsync: boolean): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  // Never clobber an index.json that is already there; write a new one atomically so an
  // interrupted creation cannot leave a truncated one behind.
  if ((await readRegularFile(join(dir, 'index.json'))) === undefined) {
    await writeFileAtomic(join(dir, 'index.json'), [Buffer.from(EMPTY_INDEX_JSON)], { fsync });
  }
  await writeFileAtomic(join(dir, 'oci-layout'), [Buffer.from(JSON.stringify({ imageLayoutVersion: IMAGE_LAYOUT_VERSION }))], {
    fsync,
  });
}

function checkHeader(dir: string, text: string): void {
  let version: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    version = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['imageLayoutVersion'] : undefined;
  } catch (err: unknown) {
    throw new OciError('UNSUPPORTED', `${join(dir, 'oci-layout')} is not valid JSON; is ${dir} an OCI image layout?`, {
      cause: err,
      userError: true,
    });
  }
  if (version !== IMAGE_LAYOUT_VERSION) {
    throw new OciError(
      'UNSUPPORTED',
      `${join(dir, 'oci-layout')} declares imageLayoutVersion ${JSON.stringify(version)}; only "${IMAGE_LAYOUT_VERSION}" is supported`,
      { userError: true },
    );
  }
}

/**
 * `blobs/` and `blobs/<alg>/` must be real directories: through a symlink, blobs would be read
 * from (and written to) a directory outside the layout. The layout directory itself may be a
 * symlink: the user named it.
 */
async function assertBlobDirectories(dir: string): Promise<void> {
  for (const path of [join(dir, 'blobs'), join(dir, 'blobs', 'sha256'), join(dir, 'blobs', 'sha512')]) {
    const st = await lstatOptional(path);
    if (st === undefined) continue;
    if (!st.isDirectory()) throw await notRealDirectory(path, st);
  }
}
