// What the transport says: TLS failures named as what they are (issue 11, finding 9), not as
// "cannot reach registry … check that it is running"; a registry's own words (Warning headers)
// passed on without the credentials it echoes (finding 6).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/async/retry.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { NodeHttpClient } from '../../src/registry/node-http.js';
import { tlsFailure, Transport } from '../../src/registry/transport.js';
import { tempDir } from '../support/images.js';
import { selfSignedCertificate } from '../support/tls.js';

const servers: Server[] = [];
const clients: NodeHttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(s: Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

async function selfSigned(): Promise<{ key: Buffer; cert: Buffer }> {
  const { key, cert } = selfSignedCertificate(await tempDir());
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

function transport(host: string): Transport {
  const dispatcher = new NodeHttpClient({ connectTimeoutMs: 5_000 });
  clients.push(dispatcher);
  return new Transport({
    host,
    origin: `https://${host}`,
    dispatcher,
    credentials: staticCredentials({}),
    userAgent: 'gantry-test',
    retry: { ...DEFAULT_RETRY, attempts: 1 },
  });
}

const get = (url: string) => ({ method: 'GET' as const, url, scopes: [], idempotent: true });

describe('TLS failures, named', () => {
  it('a certificate nobody here trusts: REGISTRY_TLS, saying to add its CA, not "check that it is running"', async () => {
    const port = await listen(createHttpsServer(await selfSigned(), (_q, res) => res.end('{}')));
    const err = await transport(`localhost:${port}`)
      .send(get(`https://localhost:${port}/v2/`))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_TLS',
      userError: true,
      message: expect.stringContaining(`the certificate of localhost:${port} is not trusted`),
    });
    expect((err as Error).message).toContain('--ca-file');
    expect((err as Error).message).not.toContain('check the registry address');
  });

  it('a port that speaks plain HTTP: REGISTRY_TLS, pointing at --insecure-registry', async () => {
    const port = await listen(createHttpServer((_q, res) => res.end('{}')));
    const err = await transport(`localhost:${port}`)
      .send(get(`https://localhost:${port}/v2/`))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_TLS',
      message: expect.stringContaining(
        `did not speak TLS as expected (a plain-HTTP registry? name it with --insecure-registry localhost:${port})`,
      ),
    });
  });

  it.each([
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'is for another host name'],
    ['CERT_HAS_EXPIRED', 'is not valid now'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'is not trusted'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'is not trusted'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'did not speak TLS'],
  ])('%s is named: %s', (code, says) => {
    expect(tlsFailure(code, 'r.example:443')).toContain(says);
  });

  it('network errors are not TLS failures', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'HEADERS_TIMEOUT', undefined])
      expect(tlsFailure(code, 'r')).toBeUndefined();
  });
});

describe('a registry Warning header reaches the log redacted (issue 11, finding 6)', () => {
  // Node's parser refuses control characters in header values, so the credential is what is left to check here.
  it('an echoed credential is redacted', async () => {
    const port = await listen(
      createHttpServer((_q, res) => {
        res.setHeader('Warning', '299 - "deprecated; you sent Bearer abcdefghijkl"');
        res.end('{}');
      }),
    );
    const lines: string[] = [];
    const dispatcher = new NodeHttpClient();
    clients.push(dispatcher);
    const t = new Transport({
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${port}`,
      dispatcher,
      credentials: staticCredentials({}),
      userAgent: 'gantry-test',
      retry: DEFAULT_RETRY,
      log: (l) => lines.push(l),
    });
    await (await t.send(get(`http://127.0.0.1:${port}/v2/`))).body.dump();
    expect(lines).toEqual([`warning from 127.0.0.1:${port}: deprecated; you sent Bearer REDACTED`]);
  });
});
