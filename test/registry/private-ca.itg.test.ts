// A real registry (docker-registry) serving TLS with a CA this test makes: gantry trusts it only
// when told (certs.d, --ca-file, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS), refuses a certificate for
// another name, and shows a client certificate from certs.d when the registry requires one. skopeo
// reads the same certs.d directory.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSkopeo } from '../harness/fixtures.js';
import { networkAddress, startNetworkRegistry, type NetworkRegistry } from '../harness/network-registry.js';
import { issue, makeCa, type TestCa } from '../support/ca.js';
import { gantry, type CliResult } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { fixtureImage, tempDir } from '../support/images.js';

/** Nothing of the machine's trust settings: each test says what it sets. */
const CLEAN = { SSL_CERT_FILE: '', HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };

describe('registries with a private CA and client certificates', () => {
  let dir: string;
  let ca: TestCa;
  let clientCa: TestCa;
  let client: { cert: string; key: string };
  let good: NetworkRegistry;
  let misnamed: NetworkRegistry;
  let mutual: NetworkRegistry;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  /** An empty certs.d root, or one with `files` (name → source path) under `<host>/`. */
  async function certsD(host: string, files: Record<string, string> = {}): Promise<string> {
    const root = await tempDir('gantry-certs-d-');
    await mkdir(join(root, host));
    for (const [name, from] of Object.entries(files)) await copyFile(from, join(root, host, name));
    return root;
  }

  const push = (reg: NetworkRegistry, repo: string, env: Record<string, string>, extra: string[] = []): Promise<CliResult> =>
    gantry(['copy', `oci:${img.dir}:v1`, `${reg.host}/${repo}:v1`, ...extra], { env: { ...CLEAN, ...env } });

  beforeAll(async () => {
    dir = await tempDir();
    ca = makeCa(dir, 'registry-ca');
    clientCa = makeCa(dir, 'client-ca');
    client = issue(clientCa, dir, 'client', { client: true });
    const server = issue(ca, dir, 'registry', { san: `IP:${networkAddress()}` });
    const other = issue(ca, dir, 'other', { san: 'DNS:registry.other.invalid' });
    const probeCa = readFileSync(ca.cert, 'utf8');
    [good, misnamed, mutual, img] = await Promise.all([
      startNetworkRegistry({ tls: server, probe: { ca: probeCa } }),
      startNetworkRegistry({ tls: other, probe: { ca: probeCa, servername: 'registry.other.invalid' } }),
      startNetworkRegistry({
        tls: { ...server, clientCa: clientCa.cert },
        probe: { ca: probeCa, cert: readFileSync(client.cert, 'utf8'), key: readFileSync(client.key, 'utf8') },
      }),
      fixtureImage({ layers: 2, layerBytes: 20_000 }),
    ]);
  });
  afterAll(async () => Promise.all([good?.stop(), misnamed?.stop(), mutual?.stop()]));

  it('refuses a registry whose CA it was not given, naming the fix', async () => {
    const r = await push(good, 'none/app', { GANTRY_CERTS_D: await certsD(good.host) });
    expectExit(r, 2);
    expect(r.stderr).toContain(`the certificate of ${good.host} is not trusted`);
    expect(r.stderr).toContain(`certs.d/${good.host}/ca.crt`);
    expect(r.stderr).toContain('--ca-file');
    expect(good.logs()).not.toMatch(/PUT \/v2\/none\/app/);
  });

  it("trusts the CA from docker's certs.d, --ca-file, SSL_CERT_FILE or NODE_EXTRA_CA_CERTS", async () => {
    const ways: [string, Record<string, string>, string[]][] = [
      ['certs-d', { GANTRY_CERTS_D: await certsD(good.host, { 'ca.crt': ca.cert }) }, []],
      ['certs-d-any-crt', { GANTRY_CERTS_D: await certsD(good.host, { 'corp-root.crt': ca.cert }) }, []],
      ['ca-file', { GANTRY_CERTS_D: await certsD(good.host) }, ['--ca-file', ca.cert]],
      ['ssl-cert-file', { GANTRY_CERTS_D: await certsD(good.host), SSL_CERT_FILE: ca.cert }, []],
      ['node-extra', { GANTRY_CERTS_D: await certsD(good.host), NODE_EXTRA_CA_CERTS: ca.cert }, []],
    ];
    for (const [name, env, flags] of ways) {
      const r = await push(good, `${name}/app`, env, flags);
      expectExit(r, 0);
      expect(good.logs(), name).toMatch(new RegExp(`PUT /v2/${name}/app/manifests/v1 `));
    }
  });

  it('refuses a certificate made for another host name, even from a trusted CA', async () => {
    const r = await push(misnamed, 'misnamed/app', { GANTRY_CERTS_D: await certsD(misnamed.host) }, ['--ca-file', ca.cert]);
    expectExit(r, 2);
    expect(r.stderr).toContain(`the certificate of ${misnamed.host} is for another host name`);
  });

  it('shows the client certificate of certs.d to a registry that requires one; without it the registry refuses', async () => {
    const without = await push(mutual, 'noclient/app', { GANTRY_CERTS_D: await certsD(mutual.host, { 'ca.crt': ca.cert }) });
    expect(without.code, without.stderr).not.toBe(0);
    expect(without.stderr).toContain(`${mutual.host} requires a client certificate`);
    expect(without.stderr).toContain(`certs.d/${mutual.host}/client.cert`);

    const root = await certsD(mutual.host, { 'ca.crt': ca.cert, 'client.cert': client.cert, 'client.key': client.key });
    const withCert = await push(mutual, 'client/app', { GANTRY_CERTS_D: root });
    expectExit(withCert, 0);

    // skopeo reads the same directory (its --cert-dir is docker's per-host directory).
    const tags = await runSkopeo(['list-tags', '--cert-dir', join(root, mutual.host), `docker://${mutual.host}/client/app`]);
    expect(JSON.parse(tags.stdout)).toMatchObject({ Tags: ['v1'] });
  });

  it('refuses unusable trust files with a clear error (exit 2) naming the file', async () => {
    const notPem = join(dir, 'not-a-cert.pem');
    await writeFile(notPem, 'hello\n');
    const cases: [Record<string, string>, string[], string][] = [
      [{}, ['--ca-file', join(dir, 'missing.pem')], `cannot read the CA file (--ca-file) ${join(dir, 'missing.pem')}`],
      [{}, ['--ca-file', notPem], `${notPem} (--ca-file) holds no PEM certificate`],
      [{ SSL_CERT_FILE: notPem }, [], `${notPem} (SSL_CERT_FILE) holds no PEM certificate`],
      [
        { GANTRY_CERTS_D: await certsD(mutual.host, { 'client.cert': client.cert }) },
        [],
        'client.cert has no key (docker pairs <name>.cert with <name>.key): put client.key next to it',
      ],
      [
        { GANTRY_CERTS_D: await certsD(mutual.host, { 'client.cert': client.cert, 'client.key': ca.key }) },
        [],
        'the client certificate and its key do not belong together',
      ],
    ];
    for (const [env, flags, message] of cases) {
      const r = await push(mutual, 'bad/app', env, flags);
      expectExit(r, 2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
