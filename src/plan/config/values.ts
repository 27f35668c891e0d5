// Parsers for the scalar values of gantry.yml that are more than a string: platforms, references,
// sizes, file modes, owners, ports, key sources. Each returns a `Parsed` result instead of throwing,
// so the zod schema can turn a failure into an issue at the value's location.
import { posix } from 'node:path';
import { parsePlatform } from '../../oci/platform.js';
import { formatReference, formatRepository, parseReference, type Reference } from '../../oci/reference.js';
import { didYouMean } from './suggest.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (message: string): Parsed<never> => ({ ok: false, message });

const quote = (s: string): string => JSON.stringify(s);

function parseWith<T>(parse: () => T): Parsed<T> {
  try {
    return ok(parse());
  } catch (e) {
    // parsePlatform and parseReference throw OciError, whose message says what is wrong and what was expected.
    return fail((e as Error).message);
  }
}

// GOOS and GOARCH values (`go tool dist list`): the OCI image spec says platform.os and
// platform.architecture SHOULD use them, and every builder and registry client matches on them.
// prettier-ignore
export const KNOWN_OS = [
  'linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'dragonfly', 'illumos', 'solaris',
  'aix', 'android', 'ios', 'plan9', 'js', 'wasip1',
] as const;
// prettier-ignore
export const KNOWN_ARCHITECTURES = [
  'amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'loong64', 'mips64le', 'mips64',
  'mipsle', 'mips', 'ppc64', 'sparc64', 'wasm',
] as const;

/**
 * A platform as gantry.yml writes it (`linux/arm64`, `linux/aarch64`, `linux/arm/v7`), parsed with
 * `parsePlatform` and returned in canonical `os/arch[/variant]` form (`linux/aarch64` → `linux/arm64`),
 * so two spellings of one platform compare equal as strings. os and architecture must be GOOS/GOARCH
 * values: an unknown one is almost always a typo (`linux/arm65`), not a platform anyone can build.
 */
export function parsePlatformSpec(s: string): Parsed<string> {
  const parsed = parseWith(() => parsePlatform(s));
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  const known = (list: readonly string[]): string => `expected one of ${list.join(', ')}`;
  if (!(KNOWN_OS as readonly string[]).includes(p.os)) {
    return fail(`invalid platform ${quote(s)}: unknown os ${quote(p.os)}${didYouMean(p.os, KNOWN_OS)}; ${known(KNOWN_OS)}`);
  }
  if (!(KNOWN_ARCHITECTURES as readonly string[]).includes(p.architecture)) {
    const hint = didYouMean(p.architecture, KNOWN_ARCHITECTURES);
    return fail(`invalid platform ${quote(s)}: unknown architecture ${quote(p.architecture)}${hint}; ${known(KNOWN_ARCHITECTURES)}`);
  }
  const os = p['os.version'] === undefined ? p.os : `${p.os}(${p['os.version']})`;
  return ok(`${os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`);
}

/** A repository to publish to: a reference without tag or digest, normalized (`acme/api` → `docker.io/acme/api`). */
export function parseRepositoryName(s: string): Parsed<string> {
  // An OCI image layout directory (`oci:./out/app`): publishing offline, with no registry.
  if (s.startsWith('oci:')) {
    const path = s.slice('oci:'.length);
    if (path === '') return fail(`invalid repository ${quote(s)}: oci: needs a directory, e.g. "oci:./out/app"`);
    if (path.includes(':') || path.includes('@')) {
      return fail(
        `repository ${quote(s)} must not have a tag: gantry computes the tags from the tag rules; write the directory only, e.g. "oci:./out/app"`,
      );
    }
    return ok(s);
  }
  const parsed = parseWith(() => parseReference(s));
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  if (r.tag !== undefined || r.digest !== undefined) {
    const what = r.tag !== undefined ? `a tag (${quote(r.tag)})` : 'a digest';
    return fail(
      `repository ${quote(s)} must not have ${what}: gantry computes the tags from the tag rules; write ${quote(formatRepository(r))}`,
    );
  }
  return ok(formatRepository(r));
}

/** A registry reference that may carry a tag or digest, in canonical form (`node:22` → `docker.io/library/node:22`). */
export function parseImageReference(s: string): Parsed<string> {
  const parsed = parseWith((): Reference => parseReference(s));
  return parsed.ok ? ok(formatReference(parsed.value)) : parsed;
}

/** The base image of the `layers` builder. */
export type BaseImage =
  | { readonly kind: 'scratch' }
  | { readonly kind: 'layout'; readonly path: string; readonly tag?: string }
  | { readonly kind: 'registry'; readonly reference: string };

/** `scratch`, `oci:PATH[:TAG]` (skopeo's spelling: the path ends at the first ":") or a registry reference. */
export function parseBaseImage(s: string): Parsed<BaseImage> {
  if (s === 'scratch') return ok({ kind: 'scratch' });
  if (s.startsWith('oci:')) {
    const rest = s.slice('oci:'.length);
    const colon = rest.indexOf(':');
    const path = colon < 0 ? rest : rest.slice(0, colon);
    if (path === '') return fail(`invalid base ${quote(s)}: oci: needs a directory, e.g. "oci:./base:v1"`);
    if (colon < 0) return ok({ kind: 'layout', path });
    const tag = rest.slice(colon + 1);
    if (tag === '') return fail(`invalid base ${quote(s)}: empty tag after ":"; write "oci:${path}" or "oci:${path}:TAG"`);
    return ok({ kind: 'layout', path, tag });
  }
  const reference = parseImageReference(s);
  return reference.ok ? ok({ kind: 'registry', reference: reference.value }) : reference;
}

// Decimal units are powers of 1000, binary ones powers of 1024 (IEC 80000-13); "KB" is read as kB.
const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;

/** A size budget: a number of bytes, or `200MB`, `1.5GiB`, `512 KiB` (units B, kB, KB, MB, GB, KiB, MiB, GiB). */
export function parseByteSize(v: string | number): Parsed<number> {
  const units = Object.keys(SIZE_UNITS);
  const form = `expected a number of bytes or a number with a unit (${units.join(', ')}), e.g. "200MB" or "1.5GiB"`;
  let bytes: number;
  if (typeof v === 'number') {
    bytes = v;
  } else {
    const m = SIZE_RE.exec(v.trim());
    if (m === null) return fail(`invalid size ${quote(v)}: ${form}`);
    const [, amount = '', unit = ''] = m;
    const factor = SIZE_UNITS[unit === '' ? 'B' : unit];
    if (factor === undefined) return fail(`invalid size ${quote(v)}: unknown unit ${quote(unit)}${didYouMean(unit, units)}; ${form}`);
    bytes = Math.round(Number(amount) * factor);
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    return fail(`invalid size ${quote(String(v))}: must be a whole number of bytes above 0; ${form}`);
  return ok(bytes);
}

/** A file mode written as a quoted octal string: `"0755"`, `"644"`, `"0o600"`. */
export function parseFileMode(s: string): Parsed<number> {
  const m = /^(?:0o|0)?([0-7]{3,4})$/.exec(s);
  if (m === null) return fail(`invalid mode ${quote(s)}: expected an octal mode such as "0755" or "0644"`);
  return ok(Number.parseInt(m[1] as string, 8));
}

/** Numeric owner of copied files: `uid` or `uid:gid` (a lone uid is also the gid, as in docker's `COPY --chown`). */
export function parseOwner(v: string | number): Parsed<{ uid: number; gid: number }> {
  const m = /^(\d+)(?::(\d+))?$/.exec(String(v));
  if (m === null) {
    return fail(
      `invalid owner ${quote(String(v))}: expected a numeric uid or uid:gid such as "1000:1000" (the layers builder reads no /etc/passwd)`,
    );
  }
  const uid = Number(m[1]);
  const gid = m[2] === undefined ? uid : Number(m[2]);
  if (uid > 0xffffffff || gid > 0xffffffff) return fail(`invalid owner ${quote(String(v))}: ids must be at most 4294967295`);
  return ok({ uid, gid });
}

/** An exposed port: `8080`, `"8080/tcp"`, `"53/udp"` → `"8080/tcp"` (the image config's ExposedPorts key). */
export function parseExposedPort(v: string | number): Parsed<string> {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(String(v));
  const port = Number(m?.[1]);
  if (m === null || port < 1 || port > 65535) {
    return fail(
      `invalid port ${quote(String(v))}: expected a port from 1 to 65535, optionally with /tcp, /udp or /sctp, e.g. 8080 or "53/udp"`,
    );
  }
  return ok(`${port}/${m[2] ?? 'tcp'}`);
}

/** Where a cosign private key comes from. */
export type KeySource = { readonly source: 'env'; readonly name: string } | { readonly source: 'file'; readonly path: string };

/** `env:NAME` (the key's PEM in an environment variable) or a file path. */
export function parseKeySource(s: string): Parsed<KeySource> {
  if (s.startsWith('env:')) {
    const name = s.slice('env:'.length);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return fail(`invalid key ${quote(s)}: after "env:" comes an environment variable name such as COSIGN_PRIVATE_KEY`);
    }
    return ok({ source: 'env', name });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(s)) {
    return fail(`invalid key ${quote(s)}: KMS and other URL keys are not supported; use env:NAME or a file path`);
  }
  if (s.trim() === '') return fail('invalid key "": expected env:NAME or a file path');
  return ok({ source: 'file', path: s });
}

/** `oci://REGISTRY/PATH`, where Helm pushes charts; returned as written, without a trailing "/". */
export function parseChartRepository(s: string): Parsed<string> {
  const form = 'expected oci://REGISTRY/PATH, e.g. "oci://ghcr.io/acme/charts"';
  if (!s.startsWith('oci://')) return fail(`invalid chart repository ${quote(s)}: ${form}`);
  const rest = s.slice('oci://'.length).replace(/\/+$/, '');
  const host = rest.split('/')[0] as string;
  if (!rest.includes('/') || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    return fail(`invalid chart repository ${quote(s)}: name a registry host and a path; ${form}`);
  }
  const repository = parseRepositoryName(rest);
  if (!repository.ok) return fail(`invalid chart repository ${quote(s)}: ${repository.message}`);
  return ok(`oci://${rest}`);
}

/** An http(s) URL, for the url and documentation labels. */
export function parseHttpUrl(s: string): Parsed<string> {
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return fail(`invalid URL ${quote(s)}: expected an http(s) URL such as "https://github.com/acme/api"`);
  }
  return ok(s);
}

/** A path inside the build context: relative, and not leaving it with "..". */
export function parseContextPath(s: string): Parsed<string> {
  const normalized = posix.normalize(s);
  if (s === '' || posix.isAbsolute(s) || normalized === '..' || normalized.startsWith('../')) {
    return fail(`invalid path ${quote(s)}: expected a path relative to the build context that stays inside it, e.g. "dist/"`);
  }
  return ok(s);
}

/**
 * An absolute path inside the image, such as /app. A ".." component is refused, not resolved:
 * whoever wrote `to: /../../etc/x` made a mistake, and the layer's tar must never name "../".
 */
export function parseImagePath(s: string): Parsed<string> {
  if (!s.startsWith('/')) return fail(`invalid path ${quote(s)}: expected an absolute path inside the image, e.g. "/app"`);
  if (s.split('/').includes('..')) {
    return fail(
      `invalid path ${quote(s)}: ".." is not allowed in a path inside the image; write the path it should be, e.g. ${quote(posix.normalize(s))}`,
    );
  }
  return ok(s);
}
