// A generated file tree shaped like an application image's payload: many small text files (a
// node_modules-like tree of source code) and a few large binary-like files. Deterministic: the
// same size gives the same bytes on every run and machine (AES-CTR with a fixed key is the PRNG).
import { createCipheriv } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const WORDS = (
  'const let var function return if else for while import export from default async await class ' +
  'extends new this null undefined true false typeof instanceof try catch finally throw switch case ' +
  'break continue value result options config error message data buffer stream request response ' +
  'module require exports length push map filter reduce forEach Object keys assign Promise resolve'
).split(' ');
const PUNCT = ['(', ')', '{', '}', ';', ',', '.', ' = ', ' => ', '\n', '\n  ', '\n    ', ' + ', '[', ']', ': '];

/** A deterministic byte stream. */
export class Prng {
  readonly #cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  bytes(n: number): Buffer {
    return this.#cipher.update(Buffer.alloc(n));
  }
}

function textFile(rng: Prng, size: number): Buffer {
  const r = rng.bytes(size);
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i += 2) {
    const w = (r[i % r.length]! << 8) | r[(i + 1) % r.length]!;
    const s = w % 5 === 0 ? PUNCT[w % PUNCT.length]! : `${WORDS[w % WORDS.length]!}${w % 11 === 0 ? String(w % 977) : ''} `;
    parts.push(s);
    n += s.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

/** Binary-like: every other 4 KiB block keeps only 4 bits per byte (compresses to roughly 3/4). */
function binaryFile(rng: Prng, size: number): Buffer {
  const b = rng.bytes(size);
  for (let block = 4096; block < size; block += 8192) {
    for (let i = block; i < Math.min(block + 4096, size); i++) b[i]! &= 0x0f;
  }
  return b;
}

export interface TreeStats {
  readonly files: number;
  readonly bytes: number;
}

/** Writes about `totalBytes` into `dir`: half small text files, half 8 MiB binary-like files. */
export async function writeTree(dir: string, totalBytes: number): Promise<TreeStats> {
  const rng = new Prng();
  let files = 0;
  let bytes = 0;
  const textBudget = totalBytes / 2;
  for (let pkg = 0; bytes < textBudget; pkg++) {
    const pdir = join(dir, 'node_modules', `pkg-${String(pkg).padStart(3, '0')}`, 'lib');
    await mkdir(pdir, { recursive: true });
    await writeFile(join(pdir, '..', 'package.json'), `{"name":"pkg-${pkg}","version":"1.0.${pkg}","main":"lib/index.js"}\n`);
    for (let f = 0; f < 24 && bytes < textBudget; f++) {
      const size = 2048 + (rng.bytes(2).readUInt16LE(0) % 60) * 1024;
      await writeFile(join(pdir, `file-${f}.js`), textFile(rng, size));
      files++;
      bytes += size;
    }
  }
  await mkdir(join(dir, 'bin'), { recursive: true });
  const big = 8 * 1024 * 1024;
  for (let i = 0; bytes < totalBytes; i++) {
    const size = Math.min(big, totalBytes - bytes);
    await writeFile(join(dir, 'bin', `blob-${i}.bin`), binaryFile(rng, size), { mode: 0o755 });
    files++;
    bytes += size;
  }
  return { files, bytes };
}
