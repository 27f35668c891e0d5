// Issue 11, finding 5: copying an index of many children opened a connection (and a file) per
// child at once and died of EMFILE ("internal error: EMFILE" from a layout). With every fan-out
// bounded, an index of 1,500 children copies under `ulimit -n 256`: layout → registry, and
// registry → registry.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skopeoInspectRaw } from '../harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import type { CliResult } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { tempDir } from '../support/images.js';
import { runInGroup } from '../support/run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const CHILDREN = 1500;
const NOFILE = 256;

/** gantry from source with at most NOFILE open files (the shell's `ulimit -n`, as a user would set it). */
async function gantryWithFewFiles(args: string[]): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(GITHUB_|RUNNER_|GANTRY_)/.test(k)) env[k] = v;
  env.DOCKER_CONFIG = '/nonexistent-gantry-test';
  const r = await runInGroup(['sh', '-c', `ulimit -n ${NOFILE} && exec "$@"`, 'sh', process.execPath, '--import', TSX, MAIN, ...args], {
    cwd: ROOT,
    env,
    timeoutMs: 240_000,
  });
  return { ...r, args: [`(ulimit -n ${NOFILE})`, ...args], env: {} };
}

/** An OCI layout whose index names CHILDREN image manifests, each with its own config and one shared layer. */
async function writeManyChildren(dir: string): Promise<{ indexDigest: string }> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(blobs, hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const layer = await put(Buffer.from('shared layer bytes'), 'application/vnd.oci.image.layer.v1.tar');
  const children = [];
  for (let i = 0; i < CHILDREN; i++) {
    const config = await put(
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Env: [`CHILD=${i}`] },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
      'application/vnd.oci.image.config.v1+json',
    );
    const m = await put(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] })),
      'application/vnd.oci.image.manifest.v1+json',
    );
    children.push({ ...m, annotations: { 'test.child': String(i) } });
  }
  const index = await put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: children })),
    'application/vnd.oci.image.index.v1+json',
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  return { indexDigest: index.digest };
}

describe(`an index of ${CHILDREN} children copies with ${NOFILE} file descriptors`, () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let layout: string;
  let indexDigest: string;

  beforeAll(async () => {
    layout = await tempDir();
    [a, b, { indexDigest }] = await Promise.all([startRegistry(), startRegistry(), writeManyChildren(layout)]);
  });
  afterAll(async () => Promise.all([a?.stop(), b?.stop()]));

  it('the limit applies to the command', async () => {
    const r = await runInGroup(['sh', '-c', `ulimit -n ${NOFILE} && ulimit -n`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeoutMs: 10_000,
    });
    expect(r.stdout.trim()).toBe(String(NOFILE));
  });

  it('layout → registry, then registry → another registry', async () => {
    const up = await gantryWithFewFiles(['copy', `oci:${layout}:v1`, `${a.host}/many/app:v1`, '--json']);
    expectExit(up, 0);
    expect((JSON.parse(up.stdout) as { digest: string }).digest).toBe(indexDigest);

    const across = await gantryWithFewFiles(['copy', `${a.host}/many/app:v1`, `${b.host}/many/copy:v1`, '--json']);
    expectExit(across, 0);
    expect((JSON.parse(across.stdout) as { digest: string }).digest).toBe(indexDigest);
    const index = JSON.parse((await skopeoInspectRaw(b, 'many/copy:v1')).stdout) as { manifests: unknown[] };
    expect(index.manifests).toHaveLength(CHILDREN);
  });
});
