import { describe, expect, it } from 'vitest';
import { nextLink } from '../../src/registry/tags.js';

const base = 'http://127.0.0.1:5000/v2/org/app/tags/list?n=2';

describe('nextLink', () => {
  it('resolves a relative next link against the base URL', () => {
    expect(nextLink('</v2/org/app/tags/list?n=2&last=b>; rel="next"', base)).toBe('http://127.0.0.1:5000/v2/org/app/tags/list?n=2&last=b');
  });

  it('resolves a path-relative link', () => {
    expect(nextLink('<list?n=2&last=c>; rel="next"', base)).toBe('http://127.0.0.1:5000/v2/org/app/tags/list?n=2&last=c');
  });

  it('keeps an absolute next link, even on another host', () => {
    expect(nextLink('<https://cdn.example/v2/org/app/tags/list?last=z>; rel="next"', base)).toBe(
      'https://cdn.example/v2/org/app/tags/list?last=z',
    );
  });

  it('accepts rel=next unquoted and in any case', () => {
    expect(nextLink('</p2>; rel=next', base)).toBe('http://127.0.0.1:5000/p2');
    expect(nextLink('</p2>;rel="NEXT"', base)).toBe('http://127.0.0.1:5000/p2');
  });

  it('finds rel after other params', () => {
    expect(nextLink('</p2>; type="application/json"; rel="next"', base)).toBe('http://127.0.0.1:5000/p2');
    expect(nextLink('</p2>; rel="next"; title="page 2"', base)).toBe('http://127.0.0.1:5000/p2');
  });

  it('ignores other relations', () => {
    expect(nextLink('</p0>; rel="prev"', base)).toBeUndefined();
    expect(nextLink('</p0>; rel="nextpage"', base)).toBeUndefined();
    expect(nextLink('</p0>; rel="first"', base)).toBeUndefined();
    expect(nextLink('</p0>; title="next"', base)).toBeUndefined();
  });

  it('picks the next link among several in one header', () => {
    expect(nextLink('</p0>; rel="prev", </p2>; rel="next", </p9>; rel="last"', base)).toBe('http://127.0.0.1:5000/p2');
    expect(nextLink('</p0>; rel="first",</p2>; rel=next', base)).toBe('http://127.0.0.1:5000/p2');
  });

  it('keeps a comma inside a link target', () => {
    expect(nextLink('</v2/a/tags/list?last=x,y>; rel="next"', base)).toBe('http://127.0.0.1:5000/v2/a/tags/list?last=x,y');
  });

  it('returns undefined when there is no header, an empty one, or no link', () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('', base)).toBeUndefined();
    expect(nextLink('rel="next"', base)).toBeUndefined();
    expect(nextLink('</p2>', base)).toBeUndefined();
  });
});
