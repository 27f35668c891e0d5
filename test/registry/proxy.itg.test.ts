// gantry through a real proxy (tinyproxy) to real registries (docker-registry), plain and TLS:
// the proxy's own log proves what went through it.
import { readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSkopeo } from '../harness/fixtures.js';
import { freePort } from '../harness/net.js';
import { networkAddress, startNetworkRegistry, type NetworkRegistry } from '../harness/network-registry.js';
import { startTinyproxy, type Tinyproxy } from '../harness/tinyproxy.js';
import { issue, makeCa, type TestCa } from '../support/ca.js';
import { gantry, type CliResult } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { fixtureImage, tempDir } from '../support/images.js';

const PROXY_PASSWORD = 'pr0xy-s3cret-word';

/** No proxy or trust settings of the machine leak into a run: each test says what it sets. */
const CLEAN = { HTTP_PROXY: '', http_proxy: '', HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: '', SSL_CERT_FILE: '' };

function report(r: CliResult, proxy: Tinyproxy): string {
  return `gantry ${r.args.join(' ')}\nexit ${r.code}\nstderr:\n${r.stderr}\nproxy log:\n${proxy.logs().slice(-3000)}`;
}

describe('registries through an HTTP proxy (tinyproxy)', () => {
  let ca: TestCa;
  let plain: NetworkRegistry;
  let secure: NetworkRegistry;
  let open: Tinyproxy;
  let locked: Tinyproxy;
  let only443: Tinyproxy;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  beforeAll(async () => {
    const dir = await tempDir();
    ca = makeCa(dir, 'proxy-test-ca');
    const server = issue(ca, dir, 'registry', { san: `IP:${networkAddress()}` });
    [plain, secure, open, locked, only443, img] = await Promise.all([
      startNetworkRegistry(),
      startNetworkRegistry({ tls: server, probe: { ca: readFileSync(ca.cert, 'utf8') } }),
      startTinyproxy(),
      startTinyproxy({ basicAuth: { user: 'alice', password: PROXY_PASSWORD } }),
      startTinyproxy({ connectPorts: [443] }),
      fixtureImage({ layers: 2, layerBytes: 20_000 }),
    ]);
  });
  afterAll(async () => Promise.all([plain, secure, open, locked, only443].map((s) => s?.stop())));

  it('plain HTTP goes to the proxy in absolute form (HTTP_PROXY); NO_PROXY by address, CIDR or address:port bypasses it', async () => {
    const via = await gantry(['copy', `oci:${img.dir}:v1`, `${plain.host}/via/app:v1`, '--insecure-registry', plain.host], {
      env: { ...CLEAN, HTTP_PROXY: open.url },
    });
    expectExit(via, 0);
    const seen = open.requests();
    expect(seen, report(via, open)).toContain(`PUT http://${plain.host}/v2/via/app/manifests/v1 HTTP/1.1`);
    expect(seen.filter((l) => l.includes('/v2/via/app/blobs/')).length).toBeGreaterThan(0);

    for (const noProxy of [
      plain.address,
      `${plain.address.split('.').slice(0, 3).join('.')}.0/24`,
      plain.host,
      `foo.example,${plain.host}`,
    ]) {
      const before = open.requests().length;
      const direct = await gantry(['copy', `oci:${img.dir}:v1`, `${plain.host}/direct/app:v1`, '--insecure-registry', plain.host], {
        env: { ...CLEAN, http_proxy: open.url, no_proxy: noProxy },
      });
      expectExit(direct, 0);
      expect(open.requests().slice(before), `NO_PROXY=${noProxy}\n${report(direct, open)}`).toEqual([]);
    }
    // A NO_PROXY entry for another port does not match.
    const before = open.requests().length;
    const other = await gantry(['copy', `oci:${img.dir}:v1`, `${plain.host}/other/app:v1`, '--insecure-registry', plain.host], {
      env: { ...CLEAN, HTTP_PROXY: open.url, NO_PROXY: `${plain.address}:1` },
    });
    expectExit(other, 0);
    expect(open.requests().length, report(other, open)).toBeGreaterThan(before);
  });

  it('HTTPS goes through a CONNECT tunnel (HTTPS_PROXY with credentials): the proxy sees only the tunnel, nothing prints the password', async () => {
    const proxyUrl = `http://alice:${PROXY_PASSWORD}@127.0.0.1:${locked.port}`;
    const r = await gantry(['copy', `oci:${img.dir}:v1`, `${secure.host}/tunnel/app:v1`, '--ca-file', ca.cert, '--verbose'], {
      env: { ...CLEAN, HTTPS_PROXY: proxyUrl },
    });
    expectExit(r, 0);
    const seen = locked.requests();
    expect(seen.length, report(r, locked)).toBeGreaterThan(0);
    // Every request the proxy saw is a tunnel to the registry: it never saw a path, a manifest or a token.
    expect(
      seen.every((l) => l === `CONNECT ${secure.host} HTTP/1.1`),
      report(r, locked),
    ).toBe(true);
    expect(secure.logs(), 'the registry served the upload').toMatch(/PUT \/v2\/tunnel\/app\/manifests\/v1/);
    expect(r.stdout + r.stderr).not.toContain(PROXY_PASSWORD);

    // The copy is whole: skopeo reads it back directly.
    const certDir = await tempDir();
    await copyFile(ca.cert, join(certDir, 'ca.crt'));
    const inspect = await runSkopeo(['inspect', '--raw', '--cert-dir', certDir, `docker://${secure.host}/tunnel/app:v1`]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json' });
  });

  it('the proxy credentials go to the proxy only: the registry end of the tunnel sees no Proxy-Authorization', async () => {
    const dir = await tempDir();
    const server = issue(ca, dir, 'spy', { san: `IP:${networkAddress()}` });
    const seen: IncomingHttpHeaders[] = [];
    const spy = https.createServer({ cert: readFileSync(server.cert), key: readFileSync(server.key) }, (req, res) => {
      seen.push(req.headers);
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    });
    const port = await freePort();
    await new Promise<void>((resolve) => spy.listen(port, networkAddress(), resolve));
    try {
      const r = await gantry(['inspect', `${networkAddress()}:${port}/spy/app:v1`, '--ca-file', ca.cert], {
        env: { ...CLEAN, HTTPS_PROXY: `http://alice:${PROXY_PASSWORD}@127.0.0.1:${locked.port}` },
      });
      expect(seen.length, report(r, locked)).toBeGreaterThan(0);
      expect(locked.requests()).toContain(`CONNECT ${networkAddress()}:${port} HTTP/1.1`);
      const basic = Buffer.from(`alice:${PROXY_PASSWORD}`).toString('base64');
      for (const h of seen) {
        expect(h['proxy-authorization']).toBeUndefined();
        expect(JSON.stringify(h)).not.toContain(basic);
      }
    } finally {
      spy.closeAllConnections();
      await new Promise((resolve) => spy.close(resolve));
    }
  });

  it('a proxy that refuses, or is not there, fails with an error that names it (without its password)', async () => {
    const copyTo = (name: string, proxy: string): Promise<CliResult> =>
      gantry(['copy', `oci:${img.dir}:v1`, `${secure.host}/${name}/app:v1`, '--ca-file', ca.cert], {
        env: { ...CLEAN, HTTPS_PROXY: proxy },
      });

    const noCredentials = await copyTo('nocred', locked.url);
    expectExit(noCredentials, 2);
    expect(noCredentials.stderr).toContain(
      `the proxy http://127.0.0.1:${locked.port} (HTTPS_PROXY) refused the connection to ${secure.host}: 407`,
    );
    expect(noCredentials.stderr).toContain('put them in the proxy URL');

    const wrong = await copyTo('wrong', `http://alice:not-${PROXY_PASSWORD}@127.0.0.1:${locked.port}`);
    expectExit(wrong, 2);
    expect(wrong.stderr).toMatch(/refused the connection .*: 40[17] .*did not accept the user and password/);
    expect(wrong.stderr).not.toContain(PROXY_PASSWORD);

    const forbidden = await copyTo('forbidden', only443.url);
    expectExit(forbidden, 2);
    expect(forbidden.stderr).toMatch(
      new RegExp(`the proxy http://127\\.0\\.0\\.1:${only443.port} \\(HTTPS_PROXY\\) refused the connection to ${secure.host}: 403`),
    );
    expect(forbidden.stderr).toContain('NO_PROXY');

    const closed = await freePort();
    const absent = await copyTo('absent', `127.0.0.1:${closed}`); // no scheme: http:// as Go assumes
    expectExit(absent, 2);
    expect(absent.stderr).toContain(`cannot reach the proxy http://127.0.0.1:${closed} (HTTPS_PROXY) (ECONNREFUSED)`);

    const plainRefused = await gantry(['copy', `oci:${img.dir}:v1`, `${plain.host}/refused/app:v1`, '--insecure-registry', plain.host], {
      env: { ...CLEAN, HTTP_PROXY: locked.url },
    });
    expectExit(plainRefused, 2);
    expect(plainRefused.stderr).toContain(
      `the proxy http://127.0.0.1:${locked.port} (HTTP_PROXY) refused the connection to ${plain.host}: 407`,
    );

    for (const bad of ['socks5://127.0.0.1:1080', 'http://[not-a-host']) {
      const r = await copyTo('bad', bad);
      expectExit(r, 2);
      expect(r.stderr).toMatch(/HTTPS_PROXY: .*set it to http:\/\/\[user:password@\]host:port/);
    }
  });

  it('loopback registries never go through the proxy (as Go decides for docker, skopeo and crane), and skopeo agrees with gantry on NO_PROXY', async () => {
    const seed = await gantry(['copy', `oci:${img.dir}:v1`, `${plain.host}/loop/app:v1`, '--insecure-registry', plain.host], {
      env: CLEAN,
    });
    expectExit(seed, 0);
    // skopeo with the same environment: through the proxy without NO_PROXY, around it with.
    const skopeo = async (env: Record<string, string>): Promise<number> => {
      const before = open.requests().length;
      await runSkopeo(['list-tags', '--tls-verify=false', `docker://${plain.host}/loop/app`], { env: { ...CLEAN, ...env } });
      return open.requests().length - before;
    };
    expect(await skopeo({ HTTP_PROXY: open.url, HTTPS_PROXY: open.url })).toBeGreaterThan(0);
    expect(await skopeo({ HTTP_PROXY: open.url, HTTPS_PROXY: open.url, NO_PROXY: `${plain.address.split('.')[0]}.0.0.0/8` })).toBe(0);

    const before = open.requests().length;
    const r = await gantry(['inspect', `127.0.0.1:${plain.port}/loop/app:v1`], {
      env: { ...CLEAN, HTTP_PROXY: open.url, HTTPS_PROXY: open.url },
    });
    // The registry listens on the network address only: a loopback connection is refused, directly.
    expect(r.stderr).toContain('connection refused');
    expect(open.requests().length - before).toBe(0);
  });
});
