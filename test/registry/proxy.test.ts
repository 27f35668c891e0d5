// Which requests go through the proxy: Go's golang.org/x/net/http/httpproxy rules (docker, skopeo, crane).
import { describe, expect, it } from 'vitest';
import { proxyConfigFromEnv, proxyFor, ProxyError } from '../../src/registry/proxy.js';

const PROXY = 'http://proxy.corp:3128';

/** Whether a request to `url` goes through the proxy with NO_PROXY = `noProxy`. */
function proxied(noProxy: string, url: string): boolean {
  return proxyFor(proxyConfigFromEnv({ HTTP_PROXY: PROXY, HTTPS_PROXY: PROXY, NO_PROXY: noProxy }), url) !== undefined;
}

describe('NO_PROXY', () => {
  it.each([
    // [NO_PROXY, url, proxied]
    ['', 'https://ghcr.io', true],
    ['*', 'https://ghcr.io', false],
    [' * ', 'https://ghcr.io', false],
    ['ghcr.io', 'https://ghcr.io', false],
    ['ghcr.io', 'https://pkg.ghcr.io', false], // a domain matches its subdomains
    ['ghcr.io', 'https://notghcr.io', true], // but not a longer name
    ['.ghcr.io', 'https://ghcr.io', true], // a leading dot: subdomains only
    ['.ghcr.io', 'https://pkg.ghcr.io', false],
    ['*.ghcr.io', 'https://ghcr.io', true],
    ['*.ghcr.io', 'https://pkg.ghcr.io', false],
    ['GHCR.IO', 'https://ghcr.io', false], // case-insensitive
    ['ghcr.io:443', 'https://ghcr.io', false], // the scheme's port
    ['ghcr.io:5000', 'https://ghcr.io', true],
    ['ghcr.io:5000', 'https://ghcr.io:5000', false],
    ['10.1.2.3', 'https://10.1.2.3:5000', false],
    ['10.1.2.3:5000', 'https://10.1.2.3:5000', false],
    ['10.1.2.3:5001', 'https://10.1.2.3:5000', true],
    ['10.0.0.0/8', 'https://10.200.3.4', false],
    ['10.0.0.0/8', 'https://11.0.0.1', true],
    ['10.0.0.0/8', 'https://ten.example', true], // a CIDR matches addresses, not names
    ['fd00::/8', 'https://[fd00::2]:5000', false],
    ['[fd00::2]:5000', 'https://[fd00::2]:5000', false],
    ['fd00::2', 'https://[fd00::3]', true],
    ['a.example, b.example ,ghcr.io', 'https://ghcr.io', false], // spaces around entries
    ['a.example,,', 'https://ghcr.io', true],
    // Never through a proxy, whatever NO_PROXY says (Go's useProxy): localhost and loopback addresses.
    ['', 'http://localhost:5000', false],
    ['', 'http://127.0.0.1:5000', false],
    ['', 'http://127.9.9.9', false],
    ['', 'https://[::1]:5000', false],
    ['', 'https://localhost.example', true],
  ])('NO_PROXY=%j, %s: proxied %s', (noProxy, url, expected) => {
    expect(proxied(noProxy, url)).toBe(expected);
  });
});

describe('proxy variables', () => {
  it('HTTP_PROXY is for http, HTTPS_PROXY for https; upper case wins over lower case, as in Go', () => {
    const c = proxyConfigFromEnv({ HTTP_PROXY: 'http://a:1', https_proxy: 'http://b:2', HTTPS_PROXY: 'http://c:3' });
    expect(proxyFor(c, 'http://ghcr.io')?.display).toBe('http://a:1 (HTTP_PROXY)');
    expect(proxyFor(c, 'https://ghcr.io')?.display).toBe('http://c:3 (HTTPS_PROXY)');
    expect(proxyFor(proxyConfigFromEnv({ http_proxy: 'http://a:1' }), 'https://ghcr.io')).toBeUndefined();
    expect(proxyConfigFromEnv({})).toBeUndefined();
    expect(proxyConfigFromEnv({ HTTPS_PROXY: '' })).toBeUndefined();
  });

  it('a value without a scheme is http://; port 80 by default; credentials become Basic for the proxy only, never in the display', () => {
    const p = proxyFor(proxyConfigFromEnv({ HTTPS_PROXY: 'us%40er:p%3Ass@proxy.corp' }), 'https://ghcr.io')!;
    expect(p).toMatchObject({ host: 'proxy.corp', port: 80, display: 'http://proxy.corp (HTTPS_PROXY)' });
    expect(Buffer.from(p.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('us@er:p:ss');
  });

  it('HTTP_PROXY is ignored in a CGI environment (REQUEST_METHOD set), as Go does', () => {
    expect(proxyConfigFromEnv({ HTTP_PROXY: 'http://a:1', REQUEST_METHOD: 'GET' })).toBeUndefined();
  });

  it.each(['socks5://proxy:1080', 'https://proxy:443', 'http://[bad', 'http://'])(
    'refuses %s with a user error that does not echo the value',
    (v) => {
      let err: unknown;
      try {
        proxyConfigFromEnv({ HTTPS_PROXY: v.replace('proxy', 'user:secret@proxy') });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProxyError);
      expect(err).toMatchObject({ code: 'PROXY_INVALID', userError: true });
      expect((err as Error).message).not.toContain('secret');
    },
  );
});
