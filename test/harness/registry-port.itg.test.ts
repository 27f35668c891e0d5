/**
 * A test registry is never mistaken for another server on its port (a registry of a parallel
 * worker, anything that answers /v2/ like one), and its log is listed for failure reports
 * exactly while it runs.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpServer, listenLoopback } from './net.js';
import { IDENTITY_HEADER, startRegistry } from './registry.js';
import { runningServerLogs } from './server-logs.js';

describe('registry port', () => {
  // Answers every request as an anonymous registry would, as fast as it can.
  const lookalike = createServer((_req, res) => void res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}'));
  let taken: number;
  beforeAll(async () => {
    taken = await listenLoopback(lookalike);
  });
  afterAll(() => closeHttpServer(lookalike));

  it('starts on another port when its port is taken by a server that answers like a registry', async () => {
    const reg = await startRegistry({ port: taken });
    try {
      expect(reg.host).not.toBe(`127.0.0.1:${taken}`);
      const ours = await fetch(`${reg.url}/v2/`);
      expect(ours.headers.get(IDENTITY_HEADER)).toMatch(/^[0-9a-f]{16}$/);
      expect((await fetch(`http://127.0.0.1:${taken}/v2/`)).headers.get(IDENTITY_HEADER)).toBeNull();
    } finally {
      await reg.stop();
    }
  });

  it('has a value of its own in every launch, so a restart is not mistaken for the process before it', async () => {
    const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    try {
      const id = async (url: string): Promise<string | null> => (await fetch(`${url}/v2/`)).headers.get(IDENTITY_HEADER);
      const [first, other] = [await id(a.url), await id(b.url)];
      expect(first).not.toBe(other);
      await a.restart();
      expect(await id(a.url)).not.toBe(first);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('registry log for failure reports', () => {
  it('is listed while the registry runs, with its access log, and dropped when it stops', async () => {
    const reg = await startRegistry({ auth: 'htpasswd' });
    const listed = () => runningServerLogs().find((l) => l.name === `registry ${reg.host} (auth htpasswd)`);
    try {
      expect((await fetch(`${reg.url}/v2/gantry-log-probe/tags/list`)).status).toBe(401);
      // The access log is written after the response: poll briefly.
      for (let i = 0; i < 100 && !listed()?.tail().includes('gantry-log-probe'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(listed()?.tail()).toMatch(/"GET \/v2\/gantry-log-probe\/tags\/list HTTP\/1\.1" 401/);
    } finally {
      await reg.stop();
    }
    expect(listed()).toBeUndefined();
  });
});
