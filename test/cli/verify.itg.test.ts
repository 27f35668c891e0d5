import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/publish/copy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { clientFor, fixtureImage } from '../support/images.js';

describe('gantry verify', () => {
  let pub: TestRegistry;
  let priv: TestRegistry;
  let img: Awaited<ReturnType<typeof fixtureImage>>;
  beforeAll(async () => {
    [pub, priv, img] = await Promise.all([
      startRegistry({ auth: 'token', anonymousPull: true }),
      startRegistry({ auth: 'token' }),
      fixtureImage({ layers: 2 }),
    ]);
    for (const r of [pub, priv]) {
      const c = clientFor(r);
      await copyImage(img.store, 'v1', [{ store: c.repository(r.host, 'acme/api'), tag: '1.0.0' }]);
      await c.close();
    }
  });
  afterAll(async () => Promise.all([pub?.stop(), priv?.stop()]));

  it('a public image verifies anonymously, with its platforms and labels', async () => {
    const r = await gantry([
      'verify',
      `${pub.host}/acme/api:1.0.0`,
      '--anonymous',
      '--platforms',
      'linux/amd64,linux/arm64',
      '--label',
      'org.opencontainers.image.title=gantry-test-fixture',
      '--json',
    ]);
    expectExit(r, 0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ passed: true, digest: img.indexDigest, platforms: ['linux/amd64', 'linux/arm64'] });
  });

  it('refuses with exit 3: a missing platform, a missing label, a private image pulled anonymously', async () => {
    const plat = await gantry(['verify', `${pub.host}/acme/api:1.0.0`, '--anonymous', '--platforms', 'linux/amd64,linux/s390x']);
    expectExit(plat, 3);
    expect(plat.stdout).toMatch(/FAIL\s+platform linux\/s390x: missing; the index has linux\/amd64, linux\/arm64/);
    const label = await gantry(['verify', `${pub.host}/acme/api:1.0.0`, '--anonymous', '--label', 'org.opencontainers.image.version']);
    expectExit(label, 3);
    expect(label.stdout).toContain('label org.opencontainers.image.version: missing');
    const anon = await gantry(['verify', `${priv.host}/acme/api:1.0.0`, '--anonymous']);
    expectExit(anon, 3);
    expect(anon.stdout).toMatch(/FAIL.*pullable/);
    const user = priv.defaultUser!;
    const authed = await gantry(['verify', `${priv.host}/acme/api:1.0.0`, '--username', user.username, '--password-stdin'], {
      stdin: user.password,
    });
    expectExit(authed, 0);
  });
});
