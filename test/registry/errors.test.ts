import { describe, expect, it } from 'vitest';
import { GantryError } from '../../src/oci/errors.js';
import { parseDiagnostics, redactUrl, RegistryError, remoteText, TransportError } from '../../src/registry/errors.js';

describe('redactUrl', () => {
  it('removes a user name and password', () => {
    const r = redactUrl('https://alice:s3cret@registry.example/v2/app/manifests/v1');
    expect(r).toBe('https://registry.example/v2/app/manifests/v1');
    expect(r).not.toContain('alice');
    expect(r).not.toContain('s3cret');
    expect(redactUrl('https://token-only@registry.example/v2/')).toBe('https://registry.example/v2/');
  });

  it('redacts signed query parameters and keeps the others', () => {
    const url =
      'https://bucket.s3.amazonaws.com/blob?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=abcdef0123&X-Amz-Security-Token=tok&X-Amz-Expires=300';
    const u = new URL(redactUrl(url));
    expect(u.searchParams.get('X-Amz-Signature')).toBe('REDACTED');
    expect(u.searchParams.get('X-Amz-Credential')).toBe('REDACTED');
    expect(u.searchParams.get('X-Amz-Security-Token')).toBe('REDACTED');
    expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(u.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(u.pathname).toBe('/blob');
    expect(redactUrl(url)).not.toContain('abcdef0123');
  });

  it('redacts sig, token, key, secret, auth and password params in any case', () => {
    const r = redactUrl('https://h/p?sig=S1&sv=2020&Token=T1&api_key=K1&client_secret=C1&AUTH=A1&password=P1&n=10');
    const u = new URL(r);
    for (const k of ['sig', 'Token', 'api_key', 'client_secret', 'AUTH', 'password']) expect(u.searchParams.get(k), k).toBe('REDACTED');
    expect(u.searchParams.get('sv')).toBe('2020');
    expect(u.searchParams.get('n')).toBe('10');
    for (const secret of ['S1', 'T1', 'K1', 'C1', 'A1', 'P1']) expect(r).not.toContain(secret);
  });

  it('redacts every value of a repeated parameter', () => {
    const r = redactUrl('https://h/p?sig=one&sig=two');
    expect(r).not.toContain('one');
    expect(r).not.toContain('two');
  });

  it('leaves a clean URL unchanged', () => {
    expect(redactUrl('http://127.0.0.1:5000/v2/a/blobs/uploads/?n=1')).toBe('http://127.0.0.1:5000/v2/a/blobs/uploads/?n=1');
  });

  it('says so for a URL it cannot parse, without echoing it', () => {
    expect(redactUrl('not a url user:pass')).toBe('<unparseable url>');
    expect(redactUrl('')).toBe('<unparseable url>');
  });
});

describe('parseDiagnostics', () => {
  it('reads a spec error body', () => {
    const body = JSON.stringify({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v9' } }, { code: 'NAME_UNKNOWN' }],
    });
    expect(parseDiagnostics(body)).toEqual([
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v9' } },
      { code: 'NAME_UNKNOWN' },
    ]);
  });

  it('uses UNKNOWN for a missing or non-string code and drops non-object entries', () => {
    expect(parseDiagnostics(JSON.stringify({ errors: [{ message: 'm', detail: null }, 'x', null, 7, { code: 5, message: 6 }] }))).toEqual([
      { code: 'UNKNOWN', message: 'm', detail: null },
      { code: 'UNKNOWN' },
    ]);
  });

  it('returns [] for an empty errors array', () => {
    expect(parseDiagnostics('{"errors":[]}')).toEqual([]);
  });

  it('keeps a non-JSON body as an UNKNOWN message, trimmed and cut to 200 characters', () => {
    expect(parseDiagnostics('  <html>Bad Gateway</html>\n')).toEqual([{ code: 'UNKNOWN', message: '<html>Bad Gateway</html>' }]);
    const long = `  ${'x'.repeat(500)}`;
    const d = parseDiagnostics(long);
    expect(d).toHaveLength(1);
    expect(d[0]!.code).toBe('UNKNOWN');
    expect(d[0]!.message).toBe('x'.repeat(200));
  });

  it('keeps JSON without an errors array as text', () => {
    expect(parseDiagnostics('{"message":"nope"}')).toEqual([{ code: 'UNKNOWN', message: '{"message":"nope"}' }]);
    expect(parseDiagnostics('null')).toEqual([{ code: 'UNKNOWN', message: 'null' }]);
  });

  it('returns [] for an empty or blank body', () => {
    expect(parseDiagnostics('')).toEqual([]);
    expect(parseDiagnostics(' \n\t ')).toEqual([]);
  });
});

describe('RegistryError', () => {
  it('names the method, the redacted URL, the status and the codes', () => {
    const e = new RegistryError('GET', 'https://bob:hunter2@reg.example/v2/app/manifests/v1?token=abc', 404, [
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
      { code: 'NAME_UNKNOWN' },
    ]);
    expect(e).toBeInstanceOf(GantryError);
    expect(e.code).toBe('REGISTRY_HTTP');
    expect(e.userError).toBe(false);
    expect(e.name).toBe('RegistryError');
    expect(e.method).toBe('GET');
    expect(e.status).toBe(404);
    expect(e.url).toBe('https://reg.example/v2/app/manifests/v1?token=REDACTED');
    expect(e.message).toContain('GET https://reg.example/v2/app/manifests/v1?token=REDACTED');
    expect(e.message).toContain('404');
    expect(e.message).toContain('MANIFEST_UNKNOWN: manifest unknown');
    expect(e.message).toContain('NAME_UNKNOWN');
    expect(e.message).not.toContain('hunter2');
    expect(e.message).not.toContain('bob');
    expect(e.message).not.toContain('abc');
  });

  it('says HTTP <status> when there are no diagnostics', () => {
    const e = new RegistryError('PUT', 'http://127.0.0.1:5000/v2/a/manifests/v1', 500, []);
    expect(e.message).toContain('PUT http://127.0.0.1:5000/v2/a/manifests/v1');
    expect(e.message).toContain('HTTP 500');
  });

  it('appends a hint and carries userError', () => {
    const e = new RegistryError('GET', 'http://h/v2/', 403, [{ code: 'DENIED' }], 'check your permissions', true);
    expect(e.message).toMatch(/\n\s+check your permissions$/);
    expect(e.userError).toBe(true);
    expect(new RegistryError('GET', 'http://h/v2/', 403, []).message).not.toContain('\n');
  });

  it('has() looks for a registry code', () => {
    const e = new RegistryError('GET', 'http://h/', 404, [{ code: 'BLOB_UNKNOWN' }, { code: 'UNKNOWN', message: 'x' }]);
    expect(e.has('BLOB_UNKNOWN')).toBe(true);
    expect(e.has('UNKNOWN')).toBe(true);
    expect(e.has('MANIFEST_UNKNOWN')).toBe(false);
    expect(new RegistryError('GET', 'http://h/', 404, []).has('UNKNOWN')).toBe(false);
  });

  it('is temporary for 408, 429 and 5xx gateway/server errors, and for TOOMANYREQUESTS', () => {
    const t = (status: number, codes: string[] = []) =>
      new RegistryError(
        'GET',
        'http://h/',
        status,
        codes.map((code) => ({ code })),
      ).temporary;
    for (const s of [408, 429, 500, 502, 503, 504]) expect(t(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 405, 409, 416, 501]) expect(t(s), String(s)).toBe(false);
    expect(t(403, ['TOOMANYREQUESTS'])).toBe(true);
    expect(t(404, ['MANIFEST_UNKNOWN'])).toBe(false);
  });

  it('redacts an unparseable URL', () => {
    const e = new RegistryError('GET', '::bad user:pw', 400, []);
    expect(e.url).toBe('<unparseable url>');
    expect(e.message).not.toContain('user:pw');
  });
});

describe('TransportError', () => {
  it('carries code, cause, temporary and userError with defaults', () => {
    const cause = new Error('socket');
    const e = new TransportError('REGISTRY_UNREACHABLE', 'cannot connect', { cause, temporary: true });
    expect(e).toBeInstanceOf(GantryError);
    expect(e.code).toBe('REGISTRY_UNREACHABLE');
    expect(e.cause).toBe(cause);
    expect(e.temporary).toBe(true);
    expect(e.userError).toBe(false);
    const d = new TransportError('REGISTRY_AUTH', 'no', { userError: true });
    expect(d.temporary).toBe(false);
    expect(d.userError).toBe(true);
    expect(new TransportError('REGISTRY_PROTOCOL', 'x').temporary).toBe(false);
  });
});

describe('remoteText: what a registry says, made safe to print (issue 11, finding 6)', () => {
  it('a line break cannot forge a workflow command, escape sequences and control characters go', () => {
    expect(remoteText('denied\n::error::forged\r\nmore')).toBe('denied ::error::forged more');
    expect(remoteText('::warning::x')).toBe('warning::x');
    expect(remoteText('\x1b[31mred\x1b[0m \x07bell\u2028sep\u0085')).toBe('red bell sep');
  });

  it('an echoed credential is redacted', () => {
    expect(remoteText('bad request: Authorization: Basic YWxpY2U6c2VjcmV0 was refused')).toBe(
      'bad request: Authorization: Basic REDACTED was refused',
    );
    expect(remoteText('got Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig')).toBe('got Bearer REDACTED');
    expect(remoteText('{"token":"abc123456","user":"x"}')).toBe('{"token":"REDACTED","user":"x"}');
    expect(remoteText('password=hunter22 user=bob')).toBe('password=REDACTED user=bob');
  });

  it('long text is cut', () => {
    expect(remoteText('x'.repeat(500))).toBe('x'.repeat(300));
  });

  it('error bodies and their codes pass through it', () => {
    const [d] = parseDiagnostics(
      JSON.stringify({ errors: [{ code: 'DENIED\n::error::x', message: 'no\nAuthorization: Bearer abcdefghij' }] }),
    );
    expect(d).toEqual({ code: 'DENIED ::error::x', message: 'no Authorization: Bearer REDACTED' });
    expect(parseDiagnostics('<h1>\x1b[2Jgone</h1>\n::error::x')).toEqual([{ code: 'UNKNOWN', message: '<h1>gone</h1> ::error::x' }]);
  });
});
