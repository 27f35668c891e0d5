import type { BuildResult } from '../builders/backend.js';

/**
 * The fan-in record one `gantry build` writes per platform, read by `gantry publish` on
 * another machine (e.g. downloaded CI artifacts). Versioned so readers can refuse what they
 * do not understand.
 */
export interface DigestRecord {
  readonly schema: 'gantry.build.v1';
  readonly image: string;
  readonly platform: string;
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly compressedSize: number;
  /** Where the manifest was pushed: `registry/repo` or `oci:PATH`. */
  readonly repository: string;
  readonly backend: BuildResult['backend'];
  /** The commit it was built from. */
  readonly revision: string;
  readonly version?: string;
  readonly timings: { readonly seconds: number };
}

/** File name of a record: one per image and platform (`api-linux-arm64.json`). */
export function recordFileName(image: string, platform: string): string {
  return `${image}-${platform.replace(/\//g, '-')}.json`;
}

export function makeRecord(image: string, repository: string, revision: string, version: string | undefined, r: BuildResult): DigestRecord {
  return {
    schema: 'gantry.build.v1',
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
