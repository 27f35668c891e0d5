import type { Descriptor, Platform } from './descriptor.js';
import { isDigest, type Digest } from './digest.js';
import { OciError, type OciErrorCode } from './errors.js';

// Field checks shared by the manifest and config parsers. Every check records a problem with the
// JSON path of the bad field and carries on, so one error names every mistake in a document.

/** Problems listed in one error message; the rest are counted. */
const MAX_LISTED = 20;
/** Longest quoted value in a message; longer values are cut. */
const MAX_QUOTED = 100;

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `JSON.stringify(v)`, cut to a readable length. */
export function quote(v: string): string {
  return JSON.stringify(v.length > MAX_QUOTED ? `${v.slice(0, MAX_QUOTED)}…` : v);
}

/** Collects problems, each prefixed with the path of the field (`layers[1].digest`). */
export class Problems {
  readonly #list: string[] = [];

  add(path: string, message: string): void {
    this.#list.push(`${path}: ${message}`);
  }

  get count(): number {
    return this.#list.length;
  }

  /** Throws `OciError(code, 'invalid <what>: p1; p2; …')` when any problem was recorded. */
  throwIfAny(code: OciErrorCode, what: string): void {
    if (this.#list.length === 0) return;
    const listed = this.#list.slice(0, MAX_LISTED);
    const more = this.#list.length - listed.length;
    throw new OciError(code, `invalid ${what}: ${listed.join('; ')}${more > 0 ? `; … and ${more} more` : ''}`);
  }
}

/** Decodes and parses a JSON document that must be an object; throws `OciError(code, 'invalid <what>: …')`. */
export function parseJsonObject(bytes: Uint8Array, code: OciErrorCode, what: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    // TextDecoder throws a TypeError, JSON.parse a SyntaxError; both name the problem.
    throw new OciError(code, `invalid ${what}: not valid UTF-8 JSON (${String(cause)})`, { cause });
  }
  if (!isJsonObject(v)) throw new OciError(code, `invalid ${what}: expected a JSON object`);
  return v;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Checks `o[key]` is a string (or absent when not required). */
export function checkString(p: Problems, o: JsonObject, key: string, path: string, required = false): void {
  const v = o[key];
  if (v === undefined) {
    if (required) p.add(join(path, key), 'required string is missing');
  } else if (typeof v !== 'string') {
    p.add(join(path, key), 'expected a string');
  }
}

/** Checks `o[key]`, when present, is an array of strings (or null when `nullable`). */
export function checkStringArray(p: Problems, o: JsonObject, key: string, path: string, nullable = false): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (!Array.isArray(v)) {
    p.add(join(path, key), 'expected an array of strings');
    return;
  }
  v.forEach((s, i) => {
    if (typeof s !== 'string') p.add(`${join(path, key)}[${i}]`, 'expected a string');
  });
}

/** Checks `o[key]`, when present, maps strings to strings (annotations, labels). */
export function checkStringMap(p: Problems, o: JsonObject, key: string, path: string, nullable = false): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (!isJsonObject(v)) {
    p.add(join(path, key), 'expected an object mapping strings to strings');
    return;
  }
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string') p.add(`${join(path, key)}[${JSON.stringify(k)}]`, 'expected a string');
  }
}

/** Checks `v` is a digest; `path` names it. */
export function checkDigest(p: Problems, v: unknown, path: string): v is Digest {
  if (typeof v !== 'string') {
    p.add(path, v === undefined ? 'required digest is missing' : 'expected a digest string');
    return false;
  }
  if (!isDigest(v)) {
    p.add(path, `invalid digest ${quote(v)}`);
    return false;
  }
  return true;
}

/** Checks a platform object: `os` and `architecture` required (image-spec image-index.md). */
export function checkPlatform(p: Problems, v: unknown, path: string): v is Platform {
  if (!isJsonObject(v)) {
    p.add(path, 'expected a platform object');
    return false;
  }
  const before = p.count;
  checkString(p, v, 'architecture', path, true);
  checkString(p, v, 'os', path, true);
  checkString(p, v, 'variant', path);
  checkString(p, v, 'os.version', path);
  checkStringArray(p, v, 'os.features', path);
  checkStringArray(p, v, 'features', path);
  return p.count === before;
}

/** Checks a descriptor (image-spec descriptor.md), including its `platform` when present. */
export function checkDescriptor(p: Problems, v: unknown, path: string): v is Descriptor {
  if (!isJsonObject(v)) {
    p.add(path, v === undefined ? 'required descriptor is missing' : 'expected a descriptor object');
    return false;
  }
  const before = p.count;
  checkString(p, v, 'mediaType', path, true);
  checkDigest(p, v['digest'], join(path, 'digest'));
  const size = v['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    p.add(join(path, 'size'), 'expected a non-negative integer');
  }
  checkStringArray(p, v, 'urls', path);
  checkStringMap(p, v, 'annotations', path);
  checkString(p, v, 'data', path);
  checkString(p, v, 'artifactType', path);
  if (v['platform'] !== undefined) checkPlatform(p, v['platform'], join(path, 'platform'));
  return p.count === before;
}
