import type { Platform } from './descriptor.js';
import { OciError } from './errors.js';

// Platform specifiers and normalization follow containerd (`containerd/platforms`: platforms.go
// `Parse`/`Normalize`, database.go `normalizeOS`/`normalizeArch`).

// platforms.go osRe: os, then optionally "(os.version[+feature]*)", e.g. "windows(10.0.17763+win32k)".
const OS_RE = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
// platforms.go specifierRe, for the architecture and variant.
const COMPONENT_RE = /^[A-Za-z0-9_.-]+$/;
const FORM = 'expected os/arch[/variant], e.g. "linux/amd64", "linux/arm64" or "linux/arm/v7"';

function invalid(s: string, why: string): OciError {
  return new OciError('PLATFORM_INVALID', `invalid platform ${JSON.stringify(s)}: ${why}`, { userError: true });
}

function decodeOption(s: string, v: string): string {
  try {
    return v.includes('%') ? decodeURIComponent(v) : v;
  } catch (cause) {
    throw new OciError('PLATFORM_INVALID', `invalid platform ${JSON.stringify(s)}: bad %-escape in ${JSON.stringify(v)}; ${FORM}`, {
      userError: true,
      cause,
    });
  }
}

function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** database.go normalizeArch, plus `i686` → `386`. */
function normalizeArch(arch: string, variant: string): [architecture: string, variant: string] {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  switch (a) {
    case 'i386':
    case 'i686':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', v === 'v1' ? '' : v];
    case 'aarch64':
    case 'arm64':
      return ['arm64', v === '8' || v === 'v8' ? '' : v];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (v === '' || v === '7') return ['arm', 'v7'];
      if (v === '5' || v === '6' || v === '8') return ['arm', `v${v}`];
      return ['arm', v];
    default:
      return [a, v];
  }
}

/**
 * The canonical form of a platform, as containerd's `platforms.Normalize`: lowercase os and
 * architecture, `macos` → `darwin`, `x86_64` → `amd64`, `aarch64` → `arm64`, `arm64/v8` → `arm64`,
 * `amd64/v1` → `amd64`, `arm` → `arm/v7`, `armhf` → `arm/v7`, `armel` → `arm/v6`, `i386`/`i686` → `386`;
 * `os.features` sorted and deduplicated. Other fields are kept.
 */
export function normalizePlatform(p: Platform): Platform {
  const [architecture, variant] = normalizeArch(p.architecture, p.variant ?? '');
  const { variant: _variant, 'os.features': _features, ...rest } = p;
  const out: { -readonly [K in keyof Platform]: Platform[K] } = { ...rest, os: normalizeOs(p.os), architecture };
  if (variant !== '') out.variant = variant;
  if (p['os.features'] !== undefined && p['os.features'].length > 0) {
    out['os.features'] = [...new Set(p['os.features'])].sort();
  }
  return Object.freeze(out);
}

/**
 * Parses `os/arch[/variant]` (`linux/arm64/v8`, `linux/amd64`, `windows(10.0.20348)/amd64`) and
 * normalizes it (see `normalizePlatform`). Unlike containerd, a lone `linux` or `arm64` is
 * refused: gantry has no "host platform" to fill in. Throws `OciError('PLATFORM_INVALID')`.
 */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3) throw invalid(s, FORM);
  const [osPart = '', arch = '', variant = ''] = parts;
  const m = OS_RE.exec(osPart);
  if (m === null) throw invalid(s, `os ${JSON.stringify(osPart)} is invalid; ${FORM}`);
  if (!COMPONENT_RE.test(arch)) throw invalid(s, `architecture ${JSON.stringify(arch)} is invalid; ${FORM}`);
  if (parts.length === 3 && !COMPONENT_RE.test(variant)) throw invalid(s, `variant ${JSON.stringify(variant)} is invalid; ${FORM}`);
  // Group 1 always participates in a match; groups 2 and 3 are optional.
  const p: { -readonly [K in keyof Platform]: Platform[K] } = { os: m[1] as string, architecture: arch };
  if (variant !== '') p.variant = variant;
  const osVersion = decodeOption(s, m[2] ?? '');
  if (osVersion !== '') p['os.version'] = osVersion;
  const features = m[3] ?? '';
  if (features !== '')
    p['os.features'] = features
      .slice(1)
      .split('+')
      .map((f) => decodeOption(s, f));
  return normalizePlatform(p);
}

/** `os/arch[/variant]`, as written in the platform (no normalization); `os.version` is not shown. */
export function formatPlatform(p: Platform): string {
  const variant = p.variant === undefined || p.variant === '' ? '' : `/${p.variant}`;
  return `${p.os}/${p.architecture}${variant}`;
}

/**
 * True when an image for `have` satisfies a request for `want`: os, architecture and variant are
 * equal after normalization, so `linux/arm` matches `linux/arm/v7` and `linux/arm64` matches
 * `linux/arm64/v8` (containerd's `NewMatcher`). `os.version` and features are not compared.
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  return w.os === h.os && w.architecture === h.architecture && w.variant === h.variant;
}

/** A stable order for platforms: lexical on the normalized `os/arch[/variant]`, then on `os.version`. */
export function comparePlatforms(a: Platform, b: Platform): number {
  const x = formatPlatform(normalizePlatform(a));
  const y = formatPlatform(normalizePlatform(b));
  if (x !== y) return x < y ? -1 : 1;
  const xv = a['os.version'] ?? '';
  const yv = b['os.version'] ?? '';
  return xv === yv ? 0 : xv < yv ? -1 : 1;
}
