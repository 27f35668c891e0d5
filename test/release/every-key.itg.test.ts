// Issue 12, part 1: no key of gantry.yml is accepted and then ignored. This test walks the JSON
// Schema that `gantry schema` prints (every property path) and, for each path, runs a probe that
// proves the key changes what gantry does (the plan, the build command line, the image the layers
// builder makes, the gates result) or is refused with exit 2. A key added to the schema without a
// probe in PROBES fails the first test; so does a probe left behind for a key that is gone.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildahBuildArgs } from '../../src/builders/buildah/command.js';
import type { StagingTarget } from '../../src/builders/backend.js';
import { buildxBuildArgs } from '../../src/builders/buildx/command.js';
import { resolveDockerfileInputs } from '../../src/builders/dockerfile-inputs.js';
import { ConfigError, configJsonSchema, parseConfig, type GantryConfig } from '../../src/plan/config/index.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { makePlan } from '../../src/plan/release.js';
import { gatesOf } from '../../src/publish/gates.js';
import { buildPlatforms } from '../../src/release/build-platforms.js';
import { makeReleaseWorkflow } from '../../src/release/init-workflow.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { git } from '../support/git.js';
import { removeDir, tempDir } from '../support/images.js';

// ------------------------------------------------------------------ the schema's paths

interface SchemaNode {
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly additionalProperties?: SchemaNode | boolean;
  readonly not?: unknown;
}

/** Every property path: `images[].build.platform.*.runner` (`[]` a list item, `*` any key of a mapping). */
function schemaPaths(node: SchemaNode, path = '', out = new Set<string>()): Set<string> {
  if (node.not !== undefined) return out; // a refused key: the key is a path, its insides are not
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    out.add(p);
    schemaPaths(child, p, out);
  }
  if (node.items !== undefined) schemaPaths(node.items, `${path}[]`, out);
  for (const option of node.anyOf ?? []) schemaPaths(option, path, out);
  if (typeof node.additionalProperties === 'object') schemaPaths(node.additionalProperties, `${path}.*`, out);
  return out;
}

// ------------------------------------------------------------------ what gantry does with a configuration

type Doc = Record<string, unknown> & { images: Img[] };
type Img = Record<string, unknown> & { build: Record<string, unknown> };

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const BASE_CONTEXT = { sha: SHA, commitTime: '2024-05-01T10:00:00Z', defaultBranch: 'main' } as const;
const RELEASE: ReleaseContext = { ...BASE_CONTEXT, event: 'release', ref: 'refs/tags/v1.2.3', tag: 'v1.2.3' };
const PULL_REQUEST: ReleaseContext = { ...BASE_CONTEXT, event: 'pull_request', ref: 'refs/pull/7/merge', prNumber: 7, branch: 'fix' };

/** An image built from a Dockerfile, for amd64 and arm64 (the defaults). */
const dockerfileImage = (): Doc => ({ images: [{ name: 'api', repositories: ['ghcr.io/acme/api'], build: {} }] });

/** An image the layers builder makes from files, for amd64 only (built for real below). */
const layersImage = (): Doc => ({
  images: [
    {
      name: 'web',
      repositories: ['oci:./unused'],
      platforms: ['linux/amd64'],
      build: { backend: 'layers', base: 'scratch', copy: [{ from: 'site/', to: '/srv' }] },
    },
  ],
});

const parse = (doc: Doc): GantryConfig => parseConfig(stringify(doc), 'gantry.yml');

/** The plan every command starts from: tags, labels, annotations, repositories, matrix, push. */
function observePlan(config: GantryConfig, context: ReleaseContext): string {
  return JSON.stringify(makePlan(config, context));
}

/** The command line gantry runs to build each platform of a Dockerfile image (buildx or buildah). */
function observeBuild(config: GantryConfig, context: ReleaseContext): string {
  const plan = makePlan(config, context);
  const staging = { kind: 'layout', path: '/out', store: undefined } as unknown as StagingTarget;
  return JSON.stringify(
    config.images.flatMap((image, n) =>
      image.platforms.map((platform) => {
        const inputs = resolveDockerfileInputs({ image, platform, plan: plan.images[n]!, context, cwd: '/src', staging, log: () => {} });
        return inputs.backend === 'buildx'
          ? buildxBuildArgs(inputs, { output: { kind: 'layout', dir: '/out' }, metadataFile: '/m.json', githubActions: true })
          : buildahBuildArgs(inputs, { tag: 'gantry-build', isolation: 'chroot', tlsVerify: true });
      }),
    ),
  );
}

/** What publish's gates say of a 5 MB platform that carries one label. */
async function observeGates(config: GantryConfig): Promise<string> {
  const facts = [{ platform: 'linux/amd64', digest: `sha256:${'a'.repeat(64)}`, compressedSize: 5_000_000, labels: { present: 'yes' } }];
  const results = await Promise.all(gatesOf(config.images[0]!.gates).map((g) => g.check(config.images[0]!.name, facts)));
  return JSON.stringify(results);
}

let work: string;
let builds = 0;

/** The digest of the platform manifest the layers builder makes (a real build into an OCI layout). */
async function observeLayers(config: GantryConfig, context: ReleaseContext): Promise<string> {
  const plan = makePlan(config, context);
  const n = builds++;
  const run = await buildPlatforms(
    { config, configDir: work, context, plan },
    { cwd: work, env: {}, to: `oci:./out-${n}`, recordDir: `records-${n}`, progress: () => {} },
  );
  return run.records.map((r) => r.digest).join(',');
}

/** The release workflow `gantry init github` writes for the configuration. */
async function observeWorkflow(doc: Doc): Promise<string> {
  const name = `gantry-${builds++}.yml`;
  await writeFile(join(work, name), stringify(doc));
  return (await makeReleaseWorkflow({ cwd: work, env: {}, config: name })).text;
}

// ------------------------------------------------------------------ the probes

type Observer = 'plan' | 'build' | 'layers' | 'gates' | 'workflow';
type Probe =
  | {
      readonly observe: Observer;
      readonly base: () => Doc;
      /** Applied to both configurations (what the key needs around it). */
      readonly both?: (d: Doc, i: Img) => void;
      /** Sets the key: applied to the second configuration only. */
      readonly set: (d: Doc, i: Img) => void;
      readonly context?: ReleaseContext;
    }
  /** The only accepted value is the default: another one is refused (exit 2). */
  | { readonly guard: (d: Doc) => void; readonly at: string }
  /** Refused at load, exit 2, until the issue that implements it. */
  | { readonly refused: number; readonly set: (d: Doc, i: Img) => void; readonly at: string };

const plan = (set: (d: Doc, i: Img) => void, extra: Partial<Extract<Probe, { observe: Observer }>> = {}): Probe => ({
  observe: 'plan',
  base: dockerfileImage,
  set,
  ...extra,
});
const build = (set: (d: Doc, i: Img) => void, both?: (d: Doc, i: Img) => void): Probe => ({
  observe: 'build',
  base: dockerfileImage,
  set,
  ...(both ? { both } : {}),
});
const layers = (set: (d: Doc, i: Img) => void, both?: (d: Doc, i: Img) => void): Probe => ({
  observe: 'layers',
  base: layersImage,
  set,
  ...(both ? { both } : {}),
});
const gates = (set: (d: Doc, i: Img) => void): Probe => ({ observe: 'gates', base: dockerfileImage, set });
const workflow = (set: (d: Doc, i: Img) => void): Probe => ({ observe: 'workflow', base: dockerfileImage, set });
const copyRule = (i: Img): Record<string, unknown> => (i.build.copy as Record<string, unknown>[])[0]!;

const PROBES: Readonly<Record<string, Probe>> = {
  version: { guard: (d) => (d.version = 2), at: 'version' },
  images: plan((d) => d.images.push({ name: 'worker', repositories: ['ghcr.io/acme/worker'], build: {} })),
  'images[].name': plan((_, i) => (i.name = 'app')),
  'images[].repositories': plan((_, i) => (i.repositories = ['ghcr.io/acme/api', 'quay.io/acme/api'])),
  'images[].repositories[].name': plan((_, i) => (i.repositories = [{ name: 'quay.io/acme/api' }])),
  'images[].repositories[].optional': plan(
    (_, i) => (i.repositories = ['ghcr.io/acme/api', { name: 'docker.io/acme/api', optional: true }]),
    { both: (_, i) => (i.repositories = ['ghcr.io/acme/api', { name: 'docker.io/acme/api' }]) },
  ),
  'images[].platforms': plan((_, i) => (i.platforms = ['linux/amd64'])),
  'images[].build': build((_, i) => (i.build = { target: 'runtime' })),
  'images[].build.backend': build((_, i) => (i.build.backend = 'buildah')),
  'images[].build.context': build((_, i) => (i.build.context = 'services/api')),
  'images[].build.dockerfile': build((_, i) => (i.build.dockerfile = 'Dockerfile.prod')),
  'images[].build.args': build((_, i) => (i.build.args = { NODE_VERSION: '22' })),
  'images[].build.target': build((_, i) => (i.build.target = 'runtime')),
  // `cache: { type: gha }` alone changes nothing: in GitHub Actions buildx uses the gha cache by
  // default, and outside it there is no gha cache (reported in issue 12's notes); its mode does.
  'images[].build.cache': build((_, i) => (i.build.cache = { type: 'registry', ref: 'ghcr.io/acme/api:cache' })),
  'images[].build.cache.type': build(
    (_, i) => (i.build.cache = { type: 'registry', ref: 'ghcr.io/acme/api:cache' }),
    (_, i) => (i.build.cache = { type: 'gha' }),
  ),
  'images[].build.cache.ref': build(
    (_, i) => (i.build.cache = { type: 'registry', ref: 'ghcr.io/acme/api:cache2' }),
    (_, i) => (i.build.cache = { type: 'registry', ref: 'ghcr.io/acme/api:cache' }),
  ),
  'images[].build.cache.mode': build(
    (_, i) => (i.build.cache = { type: 'gha', mode: 'max' }),
    (_, i) => (i.build.cache = { type: 'gha' }),
  ),
  'images[].build.platform': plan((_, i) => (i.build.platform = { 'linux/arm64': { runner: 'arm-large' } })),
  'images[].build.platform.*.dockerfile': build((_, i) => (i.build.platform = { 'linux/arm64': { dockerfile: 'Dockerfile.arm64' } })),
  'images[].build.platform.*.runner': plan((_, i) => (i.build.platform = { 'linux/amd64': { runner: 'big-amd64' } })),
  'images[].build.platform.*.args': build((_, i) => (i.build.platform = { 'linux/arm64': { args: { ARCH: 'arm64' } } })),
  'images[].build.base': layers((_, i) => (i.build.base = 'oci:./busybox')),
  'images[].build.copy': layers(
    (_, i) =>
      (i.build.copy = [
        { from: 'site/', to: '/srv' },
        { from: 'site/', to: '/www' },
      ]),
  ),
  'images[].build.copy[].from': layers((_, i) => (copyRule(i).from = 'site/index.html')),
  'images[].build.copy[].to': layers((_, i) => (copyRule(i).to = '/app')),
  'images[].build.copy[].mode': layers((_, i) => (copyRule(i).mode = '0600')),
  'images[].build.copy[].owner': layers((_, i) => (copyRule(i).owner = '1000:1000')),
  'images[].build.copy[].exclude': layers((_, i) => (copyRule(i).exclude = ['**/*.map'])),
  'images[].build.entrypoint': layers((_, i) => (i.build.entrypoint = ['/srv/run'])),
  'images[].build.cmd': layers((_, i) => (i.build.cmd = ['--port', '8080'])),
  'images[].build.env': layers((_, i) => (i.build.env = { PORT: '8080' })),
  'images[].build.workdir': layers((_, i) => (i.build.workdir = '/srv')),
  'images[].build.user': layers((_, i) => (i.build.user = '1000')),
  'images[].build.exposedPorts': layers((_, i) => (i.build.exposedPorts = [8080])),
  'images[].build.labels': layers((_, i) => (i.build.labels = { tier: 'web' })),
  'images[].tags': plan((_, i) => (i.tags = 'type=raw,value=stable')),
  'images[].flavor': plan((_, i) => (i.flavor = 'latest=false')),
  'images[].flavor.latest': plan((_, i) => (i.flavor = { latest: false })),
  'images[].flavor.prefix': plan((_, i) => (i.flavor = { prefix: 'api-' })),
  'images[].flavor.suffix': plan((_, i) => (i.flavor = { suffix: '-slim' })),
  'images[].flavor.prefixOnLatest': plan((_, i) => (i.flavor = { prefix: 'api-', prefixOnLatest: true }), {
    both: (_, i) => (i.flavor = { prefix: 'api-' }),
  }),
  'images[].flavor.suffixOnLatest': plan((_, i) => (i.flavor = { suffix: '-slim', suffixOnLatest: true }), {
    both: (_, i) => (i.flavor = { suffix: '-slim' }),
  }),
  'images[].labels': plan((_, i) => (i.labels = { team: 'core' })),
  'images[].annotations': plan((_, i) => (i.annotations = { team: 'core' })),
  'images[].title': plan((_, i) => (i.title = 'Acme API')),
  'images[].description': plan((_, i) => (i.description = 'The API')),
  'images[].vendor': plan((_, i) => (i.vendor = 'Acme')),
  'images[].licenses': plan((_, i) => (i.licenses = 'Apache-2.0')),
  'images[].url': plan((_, i) => (i.url = 'https://acme.example/api')),
  'images[].documentation': plan((_, i) => (i.documentation = 'https://docs.acme.example/api')),
  'images[].gates': gates((_, i) => (i.gates = { maxSize: '1MB' })),
  'images[].gates.maxSize': gates((_, i) => (i.gates = { maxSize: '1MB' })),
  'images[].gates.requiredLabels': gates((_, i) => (i.gates = { requiredLabels: ['org.opencontainers.image.source'] })),
  'images[].gates.vulnerabilities': {
    refused: 16,
    set: (_, i) => (i.gates = { vulnerabilities: { failOn: 'critical' } }),
    at: 'images[0].gates.vulnerabilities',
  },
  'images[].sign': { refused: 15, set: (_, i) => (i.sign = { keyless: true }), at: 'images[0].sign' },
  'images[].attest': { refused: 14, set: (_, i) => (i.attest = { sbom: true, provenance: true }), at: 'images[0].attest' },
  'images[].push': plan((_, i) => (i.push = { pullRequests: true }), { context: PULL_REQUEST }),
  'images[].push.pullRequests': plan((_, i) => (i.push = { pullRequests: true }), { context: PULL_REQUEST }),
  ci: workflow((d) => (d.ci = { action: 'acme/gantry@v1' })),
  'ci.action': workflow((d) => (d.ci = { action: 'acme/gantry@0123456789abcdef0123456789abcdef01234567' })),
  chart: { refused: 18, set: (d) => (d.chart = { path: 'charts/api', repository: 'oci://ghcr.io/acme/charts' }), at: 'chart' },
};

// ------------------------------------------------------------------ the tests

describe('every key of gantry.yml has an effect or is refused (issue 12, part 1)', () => {
  beforeAll(async () => {
    work = await tempDir('gantry-every-key-');
    await mkdir(join(work, 'site', 'bin'), { recursive: true });
    await writeFile(join(work, 'site', 'index.html'), '<h1>hello</h1>\n');
    await writeFile(join(work, 'site', 'app.js.map'), '{}\n');
    await writeFile(join(work, 'site', 'bin', 'run'), '#!/bin/sh\n');
    await chmod(join(work, 'site', 'bin', 'run'), 0o755);
    await mkdir(join(work, 'services', 'api', 'site'), { recursive: true });
    await writeFile(join(work, 'services', 'api', 'site', 'index.html'), '<h1>other</h1>\n');
    await writeBusyboxBase(join(work, 'busybox'));
  });
  afterAll(async () => removeDir(work));

  it('has a probe for every path of the JSON Schema, and none for a path that is gone', () => {
    const paths = [...schemaPaths(configJsonSchema())];
    const probed = Object.keys(PROBES);
    expect(
      paths.filter((p) => !probed.includes(p)),
      'keys without a probe: add one to PROBES (an effect it has, or the refusal)',
    ).toEqual([]);
    expect(
      probed.filter((p) => !paths.includes(p)),
      'probes of keys the schema no longer has',
    ).toEqual([]);
  });

  const effects = Object.entries(PROBES).filter((e): e is [string, Extract<Probe, { observe: Observer }>] => 'observe' in e[1]);

  it.each(effects)('%s changes what gantry does', async (_path, probe) => {
    const context = probe.context ?? RELEASE;
    const before = probe.base();
    probe.both?.(before, before.images[0]!);
    const after = structuredClone(before);
    probe.set(after, after.images[0]!);
    const observe = async (d: Doc): Promise<string> => {
      const config = parse(d);
      switch (probe.observe) {
        case 'plan':
          return observePlan(config, context);
        case 'build':
          return observeBuild(config, context);
        case 'gates':
          return observeGates(config);
        case 'layers':
          return observeLayers(config, context);
        case 'workflow':
          return observeWorkflow(d);
      }
    };
    const [a, b] = [await observe(before), await observe(after)];
    expect(b, `${probe.observe} is the same with and without the key:\n  ${stringify(before)}\n  vs\n  ${stringify(after)}`).not.toBe(a);
  });

  it('version: 1 is the only format; another version is refused', () => {
    const doc = dockerfileImage();
    (PROBES.version as { guard: (d: Doc) => void }).guard(doc);
    expect(() => parse(doc)).toThrow(ConfigError);
  });

  const refused = Object.entries(PROBES).filter((e): e is [string, Extract<Probe, { refused: number }>] => 'refused' in e[1]);

  it.each(refused)('%s is refused at its line and column: gantry plan exits 2 and names the issue', async (_path, probe) => {
    const doc = dockerfileImage();
    probe.set(doc, doc.images[0]!);
    const dir = await tempDir('gantry-refused-');
    try {
      git(dir, 'init', '-q', '-b', 'main');
      await writeFile(join(dir, 'gantry.yml'), stringify(doc));
      git(dir, 'add', '.');
      git(dir, 'commit', '-q', '-m', 'init');
      const r = await gantry(['plan', '--no-registry-check'], { cwd: dir });
      expectExit(r, 2);
      expect(r.stderr).toMatch(
        new RegExp(
          `gantry\\.yml:\\d+:\\d+: ${probe.at.replace(/[.[\]]/g, '\\$&')}: not available in this version of gantry \\(issue ${probe.refused}\\)`,
        ),
      );
      expect(r.stdout).toBe('');
    } finally {
      await removeDir(dir);
    }
  });
});
