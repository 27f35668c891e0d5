// The zod definition of gantry.yml: one source for validation, normalized types (types.ts) and the
// JSON Schema editors use (json-schema.ts). Objects are strict: an unknown key is an error, because a
// misspelt key silently ignored is a release published the wrong way.
import { z } from 'zod';
import { buildSchema } from './build-schema.js';
import { attestSchema, flavorSchema, gatesSchema, pushSchema, signSchema } from './policy-schema.js';
import { didYouMean } from './suggest.js';
import { parseChartRepository, parseHttpUrl, parsePlatformSpec, parseRepositoryName } from './values.js';
import { firstIndexOf, report, stringMap, text, via } from './zod-parse.js';

/** Image names: lowercase, as they also name CI jobs, records and default repositories. */
export const IMAGE_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
export const DEFAULT_PLATFORMS: readonly string[] = ['linux/amd64', 'linux/arm64'];

const repositorySchema = z
  .union([
    text(
      'A repository without tag or digest, e.g. ghcr.io/acme/api or docker.io/acme/api, or an OCI image layout directory, e.g. oci:./out/api.',
    ),
    z
      .strictObject({
        name: text('A repository without tag or digest, e.g. docker.io/acme/api.'),
        optional: z
          .boolean()
          .default(false)
          .describe('Publish here only when credentials for its registry are present (as projects do with Docker Hub). Default false.'),
      })
      .describe('A repository with options.'),
  ])
  .transform((r, ctx) => {
    const entry = typeof r === 'string' ? { name: r, optional: false } : r;
    // Registries take lowercase repository names only; `${{ github.repository }}` keeps the owner's
    // capitals (ghcr.io/MyOrg/MyApp). metadata-action lowercases the name, so gantry does too, and says
    // so in the plan's decisions. A layout directory (oci:PATH) is a path: its case is kept.
    const lowered = entry.name.startsWith('oci:') ? entry.name : entry.name.toLowerCase();
    const name = parseRepositoryName(lowered);
    if (name.ok) return { name: name.value, optional: entry.optional, ...(lowered !== entry.name ? { written: entry.name } : {}) };
    report(ctx, name.message, typeof r === 'string' ? [] : ['name']);
    return z.NEVER;
  });

const repositoriesSchema = z
  .array(repositorySchema)
  .min(1, { error: 'list at least one repository, e.g. [ghcr.io/acme/api]' })
  .describe(
    'Repositories the image is published to, in every registry (GHCR, Docker Hub, any OCI registry). The first required one stages builds and is read for existing tags.',
  )
  .superRefine((repos, ctx) => {
    const names = repos.map((r) => r.name);
    names.forEach((n, i) => {
      const first = firstIndexOf(names, i);
      if (first !== i) report(ctx, `${n} is listed twice (also at repositories[${first}])`, [i]);
    });
    if (repos.every((r) => r.optional)) {
      report(ctx, 'every repository is optional, so a release could publish nowhere; make at least one required');
    }
  });

const platformsSchema = z
  .array(text('A platform os/arch[/variant], e.g. linux/amd64, linux/arm64, linux/arm/v7.').transform(via(parsePlatformSpec)))
  .min(1, { error: 'list at least one platform, e.g. [linux/amd64, linux/arm64]' })
  .superRefine((platforms, ctx) => {
    platforms.forEach((p, i) => {
      const first = firstIndexOf(platforms, i);
      if (first !== i) report(ctx, `${p} is listed twice (also at platforms[${first}], after normalization)`, [i]);
    });
  })
  .prefault([...DEFAULT_PLATFORMS])
  .describe('Platforms to build and publish. Default [linux/amd64, linux/arm64].');

const tagsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((t) => (typeof t === 'string' ? t : t.join('\n')))
  .describe(
    'Tag rules in docker/metadata-action syntax, one a line, e.g. "type=semver,pattern={{version}}". Default: gantry\'s release strategy.',
  );

const urlField = (description: string) => z.string().transform(via(parseHttpUrl)).describe(description).optional();

const imageSchema = z
  .strictObject({
    name: z
      .string()
      .regex(IMAGE_NAME_RE, {
        error: 'invalid image name: expected lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "api"',
      })
      .max(128, { error: 'image name is longer than 128 characters' })
      .describe('Name of the image within this configuration, e.g. api. Unique.'),
    repositories: repositoriesSchema,
    platforms: platformsSchema,
    build: buildSchema.prefault({}),
    tags: tagsSchema.optional(),
    flavor: flavorSchema,
    labels: stringMap("Labels added to the image (and to the plan's org.opencontainers.image.* labels).").prefault({}),
    annotations: stringMap('Annotations added to the image index and manifests.').prefault({}),
    title: text('org.opencontainers.image.title. Default: the image name.').optional(),
    description: text('org.opencontainers.image.description.').optional(),
    vendor: text('org.opencontainers.image.vendor.').optional(),
    licenses: text('org.opencontainers.image.licenses, an SPDX expression, e.g. Apache-2.0.').optional(),
    url: urlField("org.opencontainers.image.url. Default: the source repository's URL."),
    documentation: urlField('org.opencontainers.image.documentation.'),
    gates: gatesSchema,
    sign: signSchema.optional(),
    attest: attestSchema,
    push: pushSchema,
  })
  .describe('An image to release.')
  .superRefine((image, ctx) => {
    for (const p of Object.keys(image.build.platform)) {
      if (!image.platforms.includes(p)) {
        const listed = image.platforms.join(', ');
        const message = `override for platform ${p}, which this image does not build (platforms: ${listed}); add ${p} to platforms or remove the override`;
        report(ctx, message, ['build', 'platform', p], { at: 'key' });
      }
    }
  });

const chartSchema = z
  .strictObject({
    path: text('Chart directory, e.g. charts/acme.'),
    repository: z
      .string()
      .startsWith('oci://', {
        error: (i) => `invalid chart repository ${JSON.stringify(i.input)}: expected oci://REGISTRY/PATH, e.g. "oci://ghcr.io/acme/charts"`,
      })
      .transform(via(parseChartRepository))
      .describe('OCI repository to push the chart to, e.g. oci://ghcr.io/acme/charts.'),
    image: text('Name of the image whose version and digest the chart follows. Required when there are several images.').optional(),
  })
  .describe('Helm chart to bump and push after the image is published.');

/**
 * A GitHub Action reference as `uses:` takes it: `OWNER/REPO@REF` or `OWNER/REPO/PATH@REF` (REF a tag,
 * branch or commit), or a local `./PATH`.
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsuses
 */
export const ACTION_REFERENCE_RE =
  /^(?:[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*@[A-Za-z0-9._/-]+|\.\/[A-Za-z0-9._/-]*)$/;

const ciSchema = z
  .strictObject({
    action: z
      .string()
      .regex(ACTION_REFERENCE_RE, {
        error: (i) =>
          `invalid Action reference ${JSON.stringify(i.input)}: expected OWNER/REPO@REF as a workflow's uses: takes it, e.g. "acme/gantry@v1" or a commit SHA after the @`,
      })
      .describe(
        "The gantry Action the workflow `gantry init github` writes uses (`uses:`), e.g. acme/gantry@v1: the repository that holds gantry's action.yml, at a tag or commit. `gantry init github --action` overrides it.",
      )
      .optional(),
  })
  .describe('Settings of the CI workflow `gantry init github` writes.');

function uniqueNames(images: readonly unknown[], ctx: z.core.$RefinementCtx): void {
  const names = images.map((i) => (typeof i === 'object' && i !== null && 'name' in i ? i.name : undefined));
  names.forEach((n, i) => {
    if (typeof n !== 'string') return;
    const first = firstIndexOf(names, i);
    if (first !== i)
      report(ctx, `image name ${JSON.stringify(n)} is used twice (also by images[${first}]); names must be unique`, [i, 'name']);
  });
}

/** The shape of gantry.yml as written (every default still absent). */
export const configInputSchema = z
  .strictObject({
    version: z.literal(1).optional().describe("Version of this file's format. Default 1."),
    images: z
      .array(imageSchema)
      .min(1, { error: 'list at least one image, e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]' })
      // Duplicate names are worth reporting even while other fields of the images are wrong.
      .superRefine(uniqueNames, { when: (payload) => Array.isArray(payload.value) })
      .optional()
      .describe(
        'Images to release. Default: one image built from ./Dockerfile, named after the repository, published to ghcr.io/OWNER/REPO.',
      ),
    chart: chartSchema.optional(),
    ci: ciSchema.optional(),
  })
  .describe('gantry.yml: what gantry releases.');

/** What configSchema makes of gantry.yml (types.ts names it GantryConfig). */
interface ConfigOutput {
  readonly version: 1;
  readonly images: NonNullable<z.output<typeof configInputSchema>['images']>;
  readonly chart?: { readonly path: string; readonly repository: string; readonly image: string };
  readonly ci?: { readonly action: string };
}

/** gantry.yml, validated and normalized. Without `images` it fails: load.ts fills them in from defaults first. */
export const configSchema = configInputSchema.transform((c, ctx): ConfigOutput => {
  if (c.images === undefined) {
    report(ctx, 'missing required key "images" (a list of images), e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]');
    return z.NEVER;
  }
  const names = c.images.map((i) => i.name);
  const ci: Pick<ConfigOutput, 'ci'> = c.ci?.action === undefined ? {} : { ci: { action: c.ci.action } };
  if (c.chart === undefined) return { version: 1 as const, images: c.images, ...ci };
  let image = c.chart.image;
  if (image === undefined) {
    if (names.length > 1) {
      report(ctx, `chart.image is required with several images: name the image the chart follows (one of ${names.join(', ')})`, ['chart']);
      return z.NEVER;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- keeps `image` a string below (images has min(1))
    image = names[0] as string;
  } else if (!names.includes(image)) {
    report(ctx, `no image is named ${JSON.stringify(image)}${didYouMean(image, names)}; expected one of ${names.join(', ')}`, [
      'chart',
      'image',
    ]);
    return z.NEVER;
  }
  return { version: 1 as const, images: c.images, chart: { path: c.chart.path, repository: c.chart.repository, image }, ...ci };
});
