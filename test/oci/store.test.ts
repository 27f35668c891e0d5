import { describe, expect, it } from 'vitest';
import { isBlobMounter, type Store } from '../../src/oci/store.js';

const base = { name: 'fake' } as unknown as Store;

describe('isBlobMounter', () => {
  it('is true only for stores with a mountBlob method', () => {
    expect(isBlobMounter(base)).toBe(false);
    expect(isBlobMounter({ ...base, mountBlob: 'no' } as unknown as Store)).toBe(false);
    expect(isBlobMounter({ ...base, host: 'h', repository: 'r', mountBlob: async () => true } as unknown as Store)).toBe(true);
  });
});
