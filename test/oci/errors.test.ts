import { describe, expect, it } from 'vitest';
import { assertNever, GantryError, OciError } from '../../src/oci/errors.js';

describe('GantryError / OciError', () => {
  it('carries code, name, cause and userError', () => {
    const cause = new Error('root');
    const e = new OciError('NOT_FOUND', 'gone', { cause, userError: true });
    expect(e).toBeInstanceOf(GantryError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('OciError');
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('gone');
    expect(e.cause).toBe(cause);
    expect(e.userError).toBe(true);
  });

  it('defaults to no cause and not a user error', () => {
    class SomeError extends GantryError<'X'> {}
    const e = new SomeError('X', 'm');
    expect(e).toBeInstanceOf(GantryError);
    expect(e.name).toBe('SomeError');
    expect(e.userError).toBe(false);
    expect('cause' in e).toBe(false);
    expect(new OciError('UNSUPPORTED', 'm', { userError: false }).userError).toBe(false);
  });
});

describe('assertNever', () => {
  it('throws UNSUPPORTED naming the value', () => {
    expect(() => assertNever('x' as never, 'kind')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: 'unexpected kind: "x"' }),
    );
    expect(() => assertNever(1 as never)).toThrow('unexpected value: 1');
  });
});
