// Turns one copy rule into the list of tar entries of its layer, in the order they are written.
// Everything that could depend on the host is decided here and nowhere else: names are sorted
// (byte order of each path segment, parents before children, as a sorted depth-first walk), file
// modes are normalized (0644/0755, or the rule's mode) so neither umask nor checkout tool matters,
// owners come from the rule (default 0:0), and file times are not read into the layer at all.
import { lstatSync, type Dirent, type Stats } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, posix, relative, resolve, sep } from 'node:path';
import type { CopyRule } from '../../plan/config/index.js';
import { BuildError } from '../errors.js';
import { compileExclude, isExcluded, type ExcludeMatcher } from './glob.js';

/** One entry of a layer's tar. */
export interface LayerEntry {
  /** The tar name: relative, "/"-separated, directories with a trailing "/" (`app/`, `app/run.sh`). */
  readonly name: string;
  readonly type: 'directory' | 'file' | 'symlink';
  /** Permission bits (at most 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes of a file; 0 otherwise. */
  readonly size: number;
  /** Target of a symlink, as stored on disk. */
  readonly linkname?: string;
  /** Absolute path of a file to read. */
  readonly source?: string;
  /**
   * What the source looked like (size, mode, mtime, inode): part of the layer cache key only, so a
   * file changed between two builds of the same process is noticed. Never written to the layer.
   */
  readonly fingerprint: string;
}

/** A copy rule resolved against the build context. */
export interface WalkedRule {
  readonly entries: readonly LayerEntry[];
  /** Files (not directories or links) and their bytes, for logs. */
  readonly files: number;
  readonly bytes: number;
}

const DIR_MODE = 0o755;
const SYMLINK_MODE = 0o777;
// Directories every base image has with the sticky bit: an ancestor entry must not reset them to 0755.
const STICKY_DIRS: ReadonlySet<string> = new Set(['tmp/', 'var/tmp/']);

/** Mode and owner of a directory, as an earlier rule of the same image wrote it. */
export interface DirectoryMeta {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

function ruleLabel(index: number, rule: CopyRule): string {
  return `copy rule ${index + 1} (${rule.from} → ${rule.to})`;
}

/** Compiles a rule's excludes, refusing invalid ones with the rule's number. */
export function compileExcludes(index: number, rule: CopyRule): ExcludeMatcher[] {
  return rule.exclude.map((pattern) => {
    try {
      return compileExclude(pattern);
    } catch (cause) {
      throw new BuildError('BUILD_INPUT_INVALID', `${ruleLabel(index, rule)}: ${(cause as Error).message}`, { userError: true, cause });
    }
  });
}

/** Segment-wise byte order of UTF-8 names: the order of a sorted depth-first walk. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `/usr/local/app/` → `usr/`, `usr/local/`, `usr/local/app/` (no entry for `/`). */
function directoryChain(imagePath: string): string[] {
  const parts = imagePath.split('/').filter((p) => p !== '' && p !== '.');
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('/')}/`);
}

function normalizedMode(rule: CopyRule, st: Stats): number {
  if (rule.mode !== undefined) return rule.mode;
  return (st.mode & 0o111) !== 0 ? 0o755 : 0o644;
}

function fingerprint(st: Stats, extra = ''): string {
  return `${st.mode}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.dev}:${extra}`;
}

async function statSource(index: number, rule: CopyRule, contextDir: string, src: string): Promise<Stats> {
  try {
    return await stat(src);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new BuildError(
        'BUILD_FAILED',
        `copy rule ${index + 1}: ${rule.from} does not exist in ${contextDir}; fix "from" (it is relative to build.context) or build the files first`,
        { userError: true, cause },
      );
    }
    throw new BuildError('BUILD_FAILED', `${ruleLabel(index, rule)}: cannot read ${src}: ${(cause as Error).message}`, { cause });
  }
}

/** The rule's source must stay inside the context even after symlinks are followed (as `docker build` requires). */
async function assertInsideContext(index: number, rule: CopyRule, contextDir: string, src: string): Promise<void> {
  const [root, real] = await Promise.all([realpath(contextDir), realpath(src)]);
  const rel = relative(root, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(root, rel) !== real) {
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `${ruleLabel(index, rule)}: ${rule.from} resolves to ${real}, outside the build context ${root}`,
      {
        userError: true,
      },
    );
  }
}

/**
 * Lists the entries of one copy rule: `from` (relative to `contextDir`) copied to `to`. A file
 * goes to `to` (or into it, when `to` ends with "/"); a directory's contents go into `to`. The
 * directories above the destination are emitted too: as an earlier rule of the image wrote them
 * (`earlier`), else 0755 and 0:0 (1777 for /tmp and /var/tmp), so a later layer never changes
 * the owner an earlier rule gave a directory.
 */
export async function walkCopyRule(
  index: number,
  rule: CopyRule,
  contextDir: string,
  earlier: ReadonlyMap<string, DirectoryMeta> = new Map(),
): Promise<WalkedRule> {
  const excludes = compileExcludes(index, rule);
  const src = resolve(contextDir, rule.from);
  const top = await statSource(index, rule, contextDir, src);
  await assertInsideContext(index, rule, contextDir, src);
  const uid = rule.owner?.uid ?? 0;
  const gid = rule.owner?.gid ?? 0;
  const entries: LayerEntry[] = [];
  const totals = { files: 0, bytes: 0 };
  const parentsOf = (name: string): LayerEntry[] =>
    directoryChain(posix.dirname(`/${name}`)).map((d) => {
      const meta = earlier.get(d) ?? { mode: STICKY_DIRS.has(d) ? 0o1777 : DIR_MODE, uid: 0, gid: 0 };
      return { name: d, type: 'directory', ...meta, size: 0, fingerprint: '' };
    });

  if (top.isFile()) {
    const dest = rule.to.endsWith('/') ? `${rule.to}${basename(src)}` : rule.to;
    const name = directoryChain(dest).at(-1)?.slice(0, -1);
    if (name === undefined)
      throw new BuildError('BUILD_INPUT_INVALID', `${ruleLabel(index, rule)}: a file cannot be copied to "/"`, { userError: true });
    entries.push(...parentsOf(name));
    entries.push({
      name,
      type: 'file',
      mode: normalizedMode(rule, top),
      uid,
      gid,
      size: top.size,
      source: src,
      fingerprint: fingerprint(top, src),
    });
    totals.files = 1;
    totals.bytes = top.size;
    return { entries, ...totals };
  }
  if (!top.isDirectory()) {
    throw new BuildError('BUILD_INPUT_INVALID', `${ruleLabel(index, rule)}: ${rule.from} is neither a file nor a directory`, {
      userError: true,
    });
  }
  const chain = directoryChain(rule.to);
  const destDir = chain.at(-1) ?? '';
  if (destDir !== '') {
    entries.push(...parentsOf(destDir.slice(0, -1)));
    entries.push({ name: destDir, type: 'directory', mode: DIR_MODE, uid, gid, size: 0, fingerprint: fingerprint(top, src) });
  }
  await walkDirectory({ index, rule, excludes, uid, gid, entries, totals }, src, '', destDir);
  return { entries, ...totals };
}

interface WalkState {
  readonly index: number;
  readonly rule: CopyRule;
  readonly excludes: readonly ExcludeMatcher[];
  readonly uid: number;
  readonly gid: number;
  readonly entries: LayerEntry[];
  readonly totals: { files: number; bytes: number };
}

async function walkDirectory(s: WalkState, dir: string, relDir: string, destDir: string): Promise<void> {
  let children: Dirent[];
  try {
    children = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new BuildError('BUILD_FAILED', `${ruleLabel(s.index, s.rule)}: cannot list ${dir}: ${(cause as Error).message}`, { cause });
  }
  children.sort((a, b) => compareNames(a.name, b.name));
  for (const child of children) {
    const rel = relDir === '' ? child.name : `${relDir}/${child.name}`;
    if (isExcluded(s.excludes, rel)) continue;
    const path = resolve(dir, child.name);
    // Synchronous: a cached lstat takes microseconds, a thread-pool round trip per entry far more
    // (the bench tree's 3 666 entries: 0.2 s → 0.07 s per walk, and every platform walks again).
    const st = lstatSync(path);
    const name = `${destDir}${child.name}`;
    if (st.isDirectory()) {
      s.entries.push({
        name: `${name}/`,
        type: 'directory',
        mode: DIR_MODE,
        uid: s.uid,
        gid: s.gid,
        size: 0,
        fingerprint: fingerprint(st, path),
      });
      await walkDirectory(s, path, rel, `${name}/`);
    } else if (st.isFile()) {
      s.entries.push({
        name,
        type: 'file',
        mode: normalizedMode(s.rule, st),
        uid: s.uid,
        gid: s.gid,
        size: st.size,
        source: path,
        fingerprint: fingerprint(st, path),
      });
      s.totals.files++;
      s.totals.bytes += st.size;
    } else if (st.isSymbolicLink()) {
      const linkname = await readlink(path);
      s.entries.push({
        name,
        type: 'symlink',
        mode: SYMLINK_MODE,
        uid: s.uid,
        gid: s.gid,
        size: 0,
        linkname,
        fingerprint: fingerprint(st, `${path}>${linkname}`),
      });
    } else {
      throw new BuildError(
        'BUILD_INPUT_INVALID',
        `${ruleLabel(s.index, s.rule)}: ${rel} is a socket, FIFO or device; only files, directories and symlinks can be copied (exclude it)`,
        { userError: true },
      );
    }
  }
}
