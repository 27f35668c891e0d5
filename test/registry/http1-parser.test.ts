import { describe, expect, it } from 'vitest';
import { HttpProtocolError, ResponseParser, type Headers } from '../../src/registry/http1-parser.js';

interface Parsed {
  heads: { status: number; headers: Headers }[];
  body: Buffer;
  complete: number;
  parser: ResponseParser;
}

/** Feeds `wire` to a parser in pieces cut at `cuts` (offsets), collecting what it reports. */
function parse(method: string, wire: string | Buffer, cuts: number[] = []): Parsed {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  const out: Parsed = { heads: [], body: Buffer.alloc(0), complete: 0, parser: undefined as unknown as ResponseParser };
  const parts: Buffer[] = [];
  out.parser = new ResponseParser(method, {
    head: (status, headers) => out.heads.push({ status, headers }),
    body: (c) => parts.push(Buffer.from(c)), // copy: the parser hands out views of its input
    complete: () => out.complete++,
  });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh buffer per piece, overwritten after the feed: the parser must not keep views of it.
    const piece = Buffer.from(bytes.subarray(at, cut));
    out.parser.feed(piece);
    piece.fill(0x58);
    at = cut;
  }
  out.body = Buffer.concat(parts);
  return out;
}

const everyCut = (wire: string, f: (p: Parsed, cut: number) => void): void => {
  for (let cut = 0; cut <= wire.length; cut++) f(parse('GET', wire, [cut]), cut);
};

describe('ResponseParser', () => {
  it('reads a Content-Length body cut at every byte, with headers lower-cased and repeated ones as arrays', () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: 1\r\nx-a: 2\r\nWarning: 299 - "w"\r\n\r\nhello world';
    everyCut(wire, (p, cut) => {
      expect(p.heads, `cut ${cut}`).toEqual([{ status: 200, headers: { 'content-length': '11', 'x-a': ['1', '2'], warning: '299 - "w"' } }]);
      expect(p.body.toString(), `cut ${cut}`).toBe('hello world');
      expect(p.complete).toBe(1);
      expect(p.parser.reusable).toBe(true);
    });
  });

  it('decodes chunked bodies with extensions and trailers, cut at every byte', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
    everyCut(wire, (p, cut) => {
      expect(p.body.toString(), `cut ${cut}`).toBe('hello 0123456789');
      expect(p.complete, `cut ${cut}`).toBe(1);
      expect(p.parser.reusable).toBe(true);
    });
  });

  it('skips 100 Continue before the final head', () => {
    const p = parse('PUT', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\nLocation: /x\r\n\r\n', [10, 30]);
    expect(p.heads).toEqual([{ status: 201, headers: { 'content-length': '0', location: '/x' } }]);
    expect(p.complete).toBe(1);
  });

  it('gives no body to HEAD, 204 and 304 whatever Content-Length says', () => {
    for (const [method, status] of [['HEAD', 200], ['GET', 204], ['GET', 304]] as const) {
      const p = parse(method, `HTTP/1.1 ${status} X\r\nContent-Length: 1234\r\n\r\n`);
      expect(p.complete, `${method} ${status}`).toBe(1);
      expect(p.body.length).toBe(0);
      expect(p.parser.reusable).toBe(true);
    }
  });

  it('reads a body without length to the close, and such a connection is not reused', () => {
    const p = parse('GET', 'HTTP/1.1 200 OK\r\n\r\nall of it', [20]);
    expect(p.complete).toBe(0);
    p.parser.end();
    expect(p.complete).toBe(1);
    expect(p.body.toString()).toBe('all of it');
    expect(p.parser.reusable).toBe(false);
  });

  it('honours Connection: close and HTTP/1.0 keep-alive rules', () => {
    expect(parse('GET', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').parser.reusable).toBe(false);
    expect(parse('GET', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').parser.reusable).toBe(false);
    expect(parse('GET', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').parser.reusable).toBe(true);
  });

  it('does not reuse a connection that sent bytes after the response', () => {
    const p = parse('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
    expect(p.body.toString()).toBe('ok');
    expect(p.complete).toBe(1);
    expect(p.parser.reusable).toBe(false);
  });

  it('says the response was cut short when the connection closes early', () => {
    const head = parse('GET', 'HTTP/1.1 200 OK\r\nContent-Le');
    expect(() => head.parser.end()).toThrow(/closed before the response was complete \(no response\)/);
    const body = parse('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    expect(() => body.parser.end()).toThrow(expect.objectContaining({ code: 'ECONNRESET', message: expect.stringMatching(/body cut short/) }));
    const chunked = parse('GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab');
    expect(() => chunked.parser.end()).toThrow(/body cut short/);
  });

  it('refuses what is not HTTP/1.1', () => {
    const bad = [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY\r\n',
    ];
    for (const wire of bad) expect(() => parse('GET', wire), wire).toThrow(HttpProtocolError);
    expect(() => parse('GET', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`)).toThrow(/response head larger than/);
    // The same Content-Length twice is allowed (RFC 9110 §8.6).
    expect(parse('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok').body.toString()).toBe('ok');
  });
});
