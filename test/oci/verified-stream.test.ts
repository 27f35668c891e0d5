import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { readAll, verified } from '../../src/oci/verified-stream.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe('verified', () => {
  it('passes matching content through', async () => {
    const out = await readAll(verified(chunks('hel', 'lo'), { digest: digestOf('hello'), size: 5 }));
    expect(Buffer.from(out).toString()).toBe('hello');
  });
  it('refuses content with the wrong digest before releasing the last chunk', async () => {
    const seen: string[] = [];
    const run = async () => {
      for await (const c of verified(chunks('hel', 'lp'), { digest: digestOf('hello'), size: 5 })) seen.push(Buffer.from(c).toString());
    };
    await expect(run()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(seen).toEqual(['hel']);
  });
  it('refuses content longer than promised', async () => {
    await expect(readAll(verified(chunks('hello!'), { digest: digestOf('hello'), size: 5 }))).rejects.toMatchObject({
      code: 'SIZE_EXCEEDED',
    });
  });
  it('refuses content shorter than promised', async () => {
    await expect(readAll(verified(chunks('hell'), { digest: digestOf('hello'), size: 5 }))).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
    });
  });
});

describe('verified: edges', () => {
  it('passes an empty blob and names where the content came from', async () => {
    expect((await readAll(verified(chunks(), { digest: digestOf(''), size: 0 }))).byteLength).toBe(0);
    await expect(readAll(verified(chunks('x'), { digest: digestOf('y'), size: 1 }, 'repo: '))).rejects.toThrow(
      /^repo: content does not match/,
    );
  });
  it('verifies sha512 digests', async () => {
    const out = await readAll(verified(chunks('a', 'b'), { digest: digestOf('ab', 'sha512'), size: 2 }));
    expect(Buffer.from(out).toString()).toBe('ab');
  });
});

describe('readAll', () => {
  it('refuses more than the limit, and accepts exactly the limit', async () => {
    await expect(readAll(chunks('abc', 'd'), 3)).rejects.toMatchObject({ code: 'SIZE_EXCEEDED' });
    expect(Buffer.from(await readAll(chunks('ab', 'c'), 3)).toString()).toBe('abc');
  });
});
