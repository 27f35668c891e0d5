import type { Platform } from './descriptor.js';
import type { Digest } from './digest.js';
import {
  checkDigest,
  checkString,
  checkStringArray,
  checkStringMap,
  isJsonObject,
  parseJsonObject,
  Problems,
  type JsonObject,
} from './json-fields.js';

/**
 * Runtime defaults of a container (image-spec config.md `config`). Docker writes `null` for
 * empty lists and maps, so those are allowed.
 */
export interface ContainerConfig {
  readonly User?: string;
  readonly ExposedPorts?: Readonly<Record<string, object>> | null;
  readonly Env?: readonly string[] | null;
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly Volumes?: Readonly<Record<string, object>> | null;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly StopSignal?: string;
  readonly ArgsEscaped?: boolean;
  readonly OnBuild?: readonly string[] | null;
}

/** One build step (image-spec config.md `history`). */
export interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly author?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
}

/** An image configuration (image-spec config.md; Docker's `container.image.v1+json` is a superset). */
export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly created?: string;
  readonly author?: string;
  /** Docker may write `null`. */
  readonly config?: ContainerConfig | null;
  readonly rootfs: { readonly type: 'layers'; readonly diff_ids: readonly Digest[] };
  readonly history?: readonly HistoryEntry[];
}

function checkObjectMap(p: Problems, o: JsonObject, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && v !== null && !isJsonObject(v)) p.add(`${path}.${key}`, 'expected an object');
}

function checkBoolean(p: Problems, o: JsonObject, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && typeof v !== 'boolean') p.add(`${path}.${key}`, 'expected a boolean');
}

function checkContainerConfig(p: Problems, v: unknown): void {
  if (v === undefined || v === null) return;
  if (!isJsonObject(v)) {
    p.add('config', 'expected an object');
    return;
  }
  for (const k of ['User', 'WorkingDir', 'StopSignal']) checkString(p, v, k, 'config');
  for (const k of ['Env', 'Entrypoint', 'Cmd', 'OnBuild']) checkStringArray(p, v, k, 'config', true);
  checkStringMap(p, v, 'Labels', 'config', true);
  checkObjectMap(p, v, 'ExposedPorts', 'config');
  checkObjectMap(p, v, 'Volumes', 'config');
  checkBoolean(p, v, 'ArgsEscaped', 'config');
}

function checkRootfs(p: Problems, v: unknown): void {
  if (!isJsonObject(v)) {
    p.add('rootfs', v === undefined ? 'required object is missing' : 'expected an object');
    return;
  }
  if (v['type'] !== 'layers') p.add('rootfs.type', 'expected "layers"');
  const ids = v['diff_ids'];
  if (!Array.isArray(ids)) {
    p.add('rootfs.diff_ids', 'expected an array of digests');
    return;
  }
  ids.forEach((d, i) => checkDigest(p, d, `rootfs.diff_ids[${i}]`));
}

function checkHistory(p: Problems, v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) {
    p.add('history', 'expected an array');
    return;
  }
  v.forEach((h, i) => {
    const path = `history[${i}]`;
    if (!isJsonObject(h)) {
      p.add(path, 'expected an object');
      return;
    }
    for (const k of ['created', 'created_by', 'author', 'comment']) checkString(p, h, k, path);
    checkBoolean(p, h, 'empty_layer', path);
  });
}

/**
 * Parses and validates an image config: `architecture` and `os` are required strings and
 * `rootfs.diff_ids` must be digests. All problems are collected into one
 * `OciError('CONFIG_INVALID')`. Unknown fields are allowed.
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const o = parseJsonObject(bytes, 'CONFIG_INVALID', 'image config');
  const p = new Problems();
  checkString(p, o, 'architecture', '', true);
  checkString(p, o, 'os', '', true);
  checkString(p, o, 'variant', '');
  checkString(p, o, 'os.version', '');
  checkStringArray(p, o, 'os.features', '');
  checkString(p, o, 'created', '');
  checkString(p, o, 'author', '');
  checkContainerConfig(p, o['config']);
  checkRootfs(p, o['rootfs']);
  checkHistory(p, o['history']);
  p.throwIfAny('CONFIG_INVALID', 'image config');
  return o as unknown as ImageConfig;
}

/** The platform an image config describes, for its index entry. */
export function configPlatform(c: ImageConfig): Platform {
  return {
    architecture: c.architecture,
    os: c.os,
    ...(c['os.version'] === undefined ? {} : { 'os.version': c['os.version'] }),
    ...(c['os.features'] === undefined ? {} : { 'os.features': c['os.features'] }),
    ...(c.variant === undefined ? {} : { variant: c.variant }),
  };
}
