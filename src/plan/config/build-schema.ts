// The `build` section of an image: which backend builds it and with what. buildx and buildah build
// a Dockerfile; `layers` (gantry's daemonless builder) stacks files on a base image. One strict object
// accepts the fields of all backends so editors can complete them; the transform refuses fields the
// chosen backend does not use and returns a union discriminated by `backend`.
import { z } from 'zod';
import {
  fail,
  parseBaseImage,
  parseContextPath,
  parseExposedPort,
  parseFileMode,
  parseImagePath,
  parseImageReference,
  parseOwner,
  parsePlatformSpec,
} from './values.js';
import { BACKEND_TRAITS, BACKENDS } from './backend-traits.js';
import { report, stringMap, text, via, type Ctx } from './zod-parse.js';

export const DEFAULT_DOCKERFILE = 'Dockerfile';

const NAME_RULE = { test: (k: string) => !k.includes('='), expected: 'a name without "="' };

const cacheSchema = z
  .strictObject({
    type: z
      .enum(['gha', 'registry'])
      .describe('gha: the GitHub Actions cache (buildx only), scoped per image and platform; registry: a cache image in a registry.'),
    ref: z.string().optional().describe('type registry: the cache image, e.g. ghcr.io/acme/api:buildcache.'),
    mode: z
      .enum(['min', 'max'])
      .optional()
      .describe('Cache export mode (buildx): min caches the final layers, max every intermediate layer. Default min.'),
  })
  .describe('Build cache (buildx, buildah).')
  .transform((c, ctx) => {
    const mode = c.mode === undefined ? {} : { mode: c.mode };
    if (c.type === 'gha') {
      if (c.ref === undefined) return { type: 'gha' as const, ...mode };
      report(ctx, 'ref is only used by type: registry; a gha cache is scoped per image and platform by gantry', ['ref']);
      return z.NEVER;
    }
    if (c.ref === undefined) {
      report(ctx, 'a registry cache needs ref: the image to keep the cache in, e.g. ref: ghcr.io/acme/api:buildcache');
      return z.NEVER;
    }
    const ref = parseImageReference(c.ref);
    if (!ref.ok) {
      report(ctx, ref.message, ['ref']);
      return z.NEVER;
    }
    return { type: 'registry' as const, ref: ref.value, ...mode };
  });

const overrideSchema = z
  .strictObject({
    dockerfile: text(
      'Dockerfile for this platform instead of build.dockerfile, e.g. Dockerfile.worker.arm64 (buildx, buildah).',
    ).optional(),
    runner: text(
      'CI runner label that builds this platform natively, e.g. ubuntu-24.04-arm. Default: ubuntu-latest for amd64, ubuntu-24.04-arm for arm64.',
    ).optional(),
    args: stringMap('Build arguments for this platform, added to build.args (same names win) (buildx, buildah).', NAME_RULE).optional(),
  })
  .describe('Settings for one platform.');

/** Per-platform overrides, keyed by canonical platform; two spellings of one platform are refused. */
const platformOverrides = z
  .record(z.string(), overrideSchema)
  .describe('Per-platform overrides, keyed by a platform listed in platforms (e.g. linux/arm64).')
  .transform((m, ctx) => {
    const out: Record<string, z.output<typeof overrideSchema>> = {};
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(m)) {
      const p = parsePlatformSpec(key);
      if (!p.ok) {
        report(ctx, p.message, [key], { at: 'key' });
        continue;
      }
      const first = seen.get(p.value);
      if (first !== undefined) {
        report(
          ctx,
          `${JSON.stringify(key)} is the same platform as ${JSON.stringify(first)} (${p.value}); merge the two overrides`,
          [key],
          { at: 'key' },
        );
        continue;
      }
      seen.set(p.value, key);
      out[p.value] = value;
    }
    return out;
  });

const copySchema = z
  .strictObject({
    from: text('File or directory to copy, relative to build.context (a directory is copied with its contents), e.g. dist/.').transform(
      via(parseContextPath),
    ),
    to: text('Absolute destination in the image, e.g. /app.').transform(via(parseImagePath)),
    mode: z
      .union([z.string(), z.number()])
      .optional()
      .describe('File mode as a quoted octal string, e.g. "0755". Default: the source file\'s mode, normalized to 0644 or 0755.'),
    owner: z.union([z.string(), z.number()]).optional().describe('Numeric owner: uid or uid:gid, e.g. "1000:1000". Default 0:0.'),
    exclude: z
      .array(z.string().min(1, { error: 'must not be empty' }))
      .optional()
      .describe('Glob patterns of files to leave out, relative to from, e.g. ["**/*.map"].'),
  })
  .describe('A copy rule of the layers backend.')
  .transform((c, ctx) => {
    const mode =
      c.mode === undefined
        ? undefined
        : typeof c.mode === 'number'
          ? fail(`write the mode as a quoted octal string such as "0755": YAML reads ${c.mode} as a decimal number`)
          : parseFileMode(c.mode);
    const owner = c.owner === undefined ? undefined : parseOwner(c.owner);
    if (mode?.ok === false) report(ctx, mode.message, ['mode']);
    if (owner?.ok === false) report(ctx, owner.message, ['owner']);
    if (mode?.ok === false || owner?.ok === false) return z.NEVER;
    return {
      from: c.from,
      to: c.to,
      ...(mode === undefined ? {} : { mode: mode.value }),
      ...(owner === undefined ? {} : { owner: owner.value }),
      exclude: c.exclude ?? [],
    };
  });

export const buildInputSchema = z
  .strictObject({
    backend: z
      .enum(BACKENDS)
      .default('buildx')
      .describe(
        `${Object.entries(BACKEND_TRAITS)
          .map(([name, t]) => `${name}: ${t.summary}`)
          .join('; ')}.`,
      ),
    context: text('Build context directory, relative to gantry.yml.').default('.'),
    dockerfile: text(`Dockerfile, relative to gantry.yml. Default ${DEFAULT_DOCKERFILE} (buildx, buildah).`).optional(),
    args: stringMap('Build arguments (buildx, buildah).', NAME_RULE).optional(),
    target: text('Stage of a multi-stage Dockerfile to build (buildx, buildah).').optional(),
    cache: cacheSchema.optional(),
    platform: platformOverrides.optional(),
    base: text(
      'Base image (layers): scratch, oci:PATH[:TAG] or a registry reference such as node:22-alpine; resolved to each platform.',
    ).optional(),
    copy: z.array(copySchema).optional().describe('Files to add, one layer per rule (layers).'),
    entrypoint: z
      .array(z.string())
      .optional()
      .describe("Entrypoint in exec form, e.g. [node, /app/server.js] (layers). Default: the base image's."),
    cmd: z.array(z.string()).optional().describe("Default arguments in exec form (layers). Default: the base image's."),
    env: stringMap("Environment variables, added to the base image's (layers).", NAME_RULE).optional(),
    workdir: text('Working directory, an absolute path (layers).').transform(via(parseImagePath)).optional(),
    user: z
      .union([text('User, e.g. "1000" or "1000:1000" (layers).'), z.number().int().nonnegative()])
      .optional()
      .describe('User to run as, e.g. "1000" or "1000:1000" (layers).'),
    exposedPorts: z
      .array(z.union([z.string(), z.number()]).transform(via(parseExposedPort)))
      .optional()
      .describe('Ports, e.g. [8080, "53/udp"] (layers).'),
    labels: stringMap("Labels written into the image config by the layers builder, added to the image's labels (layers).").optional(),
  })
  .describe('How the image is built.');

type BuildInput = z.output<typeof buildInputSchema>;

const DOCKERFILE_ONLY = ['dockerfile', 'args', 'target', 'cache'] as const;
const LAYERS_ONLY = ['base', 'copy', 'entrypoint', 'cmd', 'env', 'workdir', 'user', 'exposedPorts', 'labels'] as const;

function toLayersBuild(b: BuildInput, ctx: Ctx) {
  const before = ctx.issues.length;
  for (const k of DOCKERFILE_ONLY) {
    if (b[k] !== undefined)
      report(
        ctx,
        `${k} is not used by the layers backend, which builds without a Dockerfile; remove it, or use backend: buildx or buildah`,
        [k],
      );
  }
  const platform: Record<string, { runner?: string }> = {};
  for (const [p, o] of Object.entries(b.platform ?? {})) {
    for (const k of ['dockerfile', 'args'] as const) {
      if (o[k] !== undefined)
        report(ctx, `${k} is not used by the layers backend; a platform override may only set runner`, ['platform', p, k]);
    }
    platform[p] = o.runner === undefined ? {} : { runner: o.runner };
  }
  const base = b.base === undefined ? undefined : parseBaseImage(b.base);
  if (base === undefined) {
    report(
      ctx,
      'the layers backend needs a base image: add base: scratch, base: oci:DIR[:TAG] or base: REGISTRY/REPO:TAG (e.g. node:22-alpine)',
    );
  } else if (!base.ok) {
    report(ctx, base.message, ['base']);
  }
  if (ctx.issues.length > before || base === undefined || !base.ok) return z.NEVER;
  return {
    backend: 'layers' as const,
    context: b.context,
    base: base.value,
    copy: b.copy ?? [],
    ...(b.entrypoint === undefined ? {} : { entrypoint: b.entrypoint }),
    ...(b.cmd === undefined ? {} : { cmd: b.cmd }),
    env: b.env ?? {},
    ...(b.workdir === undefined ? {} : { workdir: b.workdir }),
    ...(b.user === undefined ? {} : { user: String(b.user) }),
    exposedPorts: b.exposedPorts ?? [],
    labels: b.labels ?? {},
    platform,
  };
}

function toDockerfileBuild(b: BuildInput, backend: 'buildx' | 'buildah', ctx: Ctx) {
  const before = ctx.issues.length;
  for (const k of LAYERS_ONLY) {
    if (b[k] !== undefined)
      report(
        ctx,
        `${k} is only used by backend: layers (this image builds a Dockerfile with ${backend}); remove it or set backend: layers`,
        [k],
      );
  }
  if (backend === 'buildah' && b.cache?.type === 'gha') {
    report(ctx, 'a gha cache needs backend: buildx (buildah cannot use the GitHub Actions cache); use type: registry', ['cache', 'type']);
  }
  if (ctx.issues.length > before) return z.NEVER;
  const platform: Record<string, { dockerfile?: string; runner?: string; args: Record<string, string> }> = {};
  for (const [p, o] of Object.entries(b.platform ?? {})) {
    platform[p] = {
      ...(o.dockerfile === undefined ? {} : { dockerfile: o.dockerfile }),
      ...(o.runner === undefined ? {} : { runner: o.runner }),
      args: o.args ?? {},
    };
  }
  return {
    backend,
    context: b.context,
    dockerfile: b.dockerfile ?? DEFAULT_DOCKERFILE,
    args: b.args ?? {},
    ...(b.target === undefined ? {} : { target: b.target }),
    ...(b.cache === undefined ? {} : { cache: b.cache }),
    platform,
  };
}

/** `build`, normalized into a union discriminated by `backend`. */
export const buildSchema = buildInputSchema.transform((b, ctx) =>
  b.backend === 'layers' ? toLayersBuild(b, ctx) : toDockerfileBuild(b, b.backend, ctx),
);
