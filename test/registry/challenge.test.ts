import { describe, expect, it } from 'vitest';
import { parseChallenge, repositoryScope } from '../../src/registry/challenge.js';

describe('parseChallenge', () => {
  it('parses a Bearer challenge with realm, service and scope', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    });
  });

  it('keeps commas inside quoted values', () => {
    const c = parseChallenge('Bearer realm="https://auth/token",scope="repository:a:pull,push",service="reg"');
    expect(c?.params).toEqual({ realm: 'https://auth/token', scope: 'repository:a:pull,push', service: 'reg' });
  });

  it('keeps several space-separated scopes in one param, as distribution sends them', () => {
    const c = parseChallenge('Bearer realm="https://auth/token",service="reg",scope="repository:a:pull,push repository:b:pull"');
    expect(c?.params.scope).toBe('repository:a:pull,push repository:b:pull');
    expect(c?.params.scope?.split(' ')).toEqual(['repository:a:pull,push', 'repository:b:pull']);
  });

  it('unescapes quoted-pairs', () => {
    const c = parseChallenge(String.raw`Bearer realm="a\"b",error_description="back\\slash \x"`);
    expect(c?.params.realm).toBe('a"b');
    expect(c?.params.error_description).toBe('back\\slash x');
  });

  it('parses a Basic challenge', () => {
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });

  it('parses a scheme without params', () => {
    expect(parseChallenge('Basic')).toEqual({ scheme: 'basic', params: {} });
    expect(parseChallenge('  Bearer  ')).toEqual({ scheme: 'bearer', params: {} });
  });

  it('accepts unquoted (token) values', () => {
    expect(parseChallenge('Bearer realm=https://auth.example/token,service=reg.example')?.params).toEqual({
      realm: 'https://auth.example/token',
      service: 'reg.example',
    });
  });

  it('tolerates whitespace around "=" and ","', () => {
    expect(parseChallenge('Bearer  realm = "r" ,  service="s"  ,scope=x')?.params).toEqual({ realm: 'r', service: 's', scope: 'x' });
  });

  it('accepts an empty quoted value', () => {
    expect(parseChallenge('Bearer realm="",service="s"')?.params).toEqual({ realm: '', service: 's' });
  });

  it('folds the scheme and param names to lowercase, keeping values', () => {
    expect(parseChallenge('BEARER Realm="https://Auth/Token",SERVICE="Reg"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://Auth/Token', service: 'Reg' },
    });
    expect(parseChallenge('bAsIc realm="X"')?.scheme).toBe('basic');
  });

  it('keeps other schemes as written, lowercased', () => {
    expect(parseChallenge('Negotiate')?.scheme).toBe('negotiate');
  });

  it('reads only the first challenge of a header with several', () => {
    expect(parseChallenge('Basic realm="a", Bearer realm="b",service="s"')).toEqual({ scheme: 'basic', params: { realm: 'a' } });
    expect(parseChallenge('Bearer realm="b", Basic realm="a"')).toEqual({ scheme: 'bearer', params: { realm: 'b' } });
  });

  it('returns undefined for an empty, blank or missing header', () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
    expect(parseChallenge('   ')).toBeUndefined();
    expect(parseChallenge('"quoted"')).toBeUndefined();
  });
});

describe('repositoryScope', () => {
  it('formats repository:NAME:ACTIONS', () => {
    expect(repositoryScope('library/alpine', ['pull'])).toBe('repository:library/alpine:pull');
    expect(repositoryScope('org/app', ['pull', 'push'])).toBe('repository:org/app:pull,push');
  });

  it('leaves the actions empty when none are given', () => {
    expect(repositoryScope('a', [])).toBe('repository:a:');
  });

  it('round-trips through a challenge scope param', () => {
    const scope = `${repositoryScope('a', ['pull', 'push'])} ${repositoryScope('b', ['pull'])}`;
    expect(parseChallenge(`Bearer realm="r",scope="${scope}"`)?.params.scope?.split(' ')).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
  });
});
