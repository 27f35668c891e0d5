// What happens around the build: tag flavor, gates that must pass before any tag moves, signing,
// attestations, and whether pull requests push.
import { z } from 'zod';
import { parseByteSize, parseKeySource } from './values.js';
import { didYouMean } from './suggest.js';
import { report, text, via } from './zod-parse.js';

const LATEST = ['auto', 'true', 'false'] as const;
type Latest = (typeof LATEST)[number];

/** metadata-action's flavor: whether `latest` is added, and a prefix/suffix for every tag. */
export interface Flavor {
  latest: Latest;
  prefix: string;
  suffix: string;
  /** Also put the prefix on `latest` (metadata-action's `prefix=…,onlatest=true`). */
  prefixOnLatest: boolean;
  suffixOnLatest: boolean;
}

const DEFAULT_FLAVOR: Flavor = { latest: 'auto', prefix: '', suffix: '', prefixOnLatest: false, suffixOnLatest: false };
const FLAVOR_KEYS = ['latest', 'prefix', 'suffix', 'onlatest'];

/**
 * metadata-action's text form, one setting a line: `latest=auto`, `prefix=app-`,
 * `suffix=-alpine,onlatest=true` (`onlatest` applies to the prefix or suffix on its line).
 */
function parseFlavorText(s: string, ctx: z.core.$RefinementCtx): Flavor {
  const out = { ...DEFAULT_FLAVOR };
  s.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(',').map((f) => f.trim());
    const [first = ''] = fields;
    const eq = first.indexOf('=');
    const key = eq < 0 ? first : first.slice(0, eq);
    const value = eq < 0 ? '' : first.slice(eq + 1);
    const where = { line: i + 1 };
    const problem = (m: string): void => report(ctx, `flavor line ${JSON.stringify(line)}: ${m}`, [], where);
    let onLatest = false;
    for (const f of fields.slice(1)) {
      if (f === 'onlatest=true' || f === 'onlatest=false') onLatest = f === 'onlatest=true';
      else problem(`unknown option ${JSON.stringify(f)}; expected onlatest=true or onlatest=false`);
    }
    if (key === 'latest') {
      if ((LATEST as readonly string[]).includes(value)) out.latest = value as Latest;
      else problem(`expected latest=auto, latest=true or latest=false`);
    } else if (key === 'prefix' || key === 'suffix') {
      out[key] = value;
      out[key === 'prefix' ? 'prefixOnLatest' : 'suffixOnLatest'] = onLatest;
    } else {
      problem(`unknown setting ${JSON.stringify(key)}${didYouMean(key, FLAVOR_KEYS)}; expected latest=, prefix= or suffix=`);
    }
  });
  return out;
}

const flavorObject = z
  .strictObject({
    latest: z
      .union([z.enum(LATEST), z.boolean()])
      .optional()
      .describe('auto: add latest for the highest stable release (registry-aware); true: always; false: never. Default auto.'),
    prefix: z.string().optional().describe('Prefix for every tag, e.g. "alpine-".'),
    suffix: z.string().optional().describe('Suffix for every tag, e.g. "-alpine".'),
    prefixOnLatest: z.boolean().optional().describe('Also put the prefix on latest. Default false.'),
    suffixOnLatest: z.boolean().optional().describe('Also put the suffix on latest. Default false.'),
  })
  .transform((f): Flavor => ({
    latest: f.latest === undefined ? 'auto' : (String(f.latest) as Latest),
    prefix: f.prefix ?? '',
    suffix: f.suffix ?? '',
    prefixOnLatest: f.prefixOnLatest ?? false,
    suffixOnLatest: f.suffixOnLatest ?? false,
  }));

export const flavorSchema = z
  .union([z.string().transform(parseFlavorText), flavorObject])
  .describe('Tag flavor, as docker/metadata-action: a mapping, or its text form ("latest=auto\\nprefix=app-").')
  .prefault({});

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none'] as const;

export const gatesSchema = z
  .strictObject({
    maxSize: z
      .union([z.string(), z.number()])
      .transform(via(parseByteSize))
      .optional()
      .describe(
        "Largest allowed compressed size of each platform's image (what a pull downloads): bytes, or a number with a unit B, kB, KB, MB, GB, KiB, MiB, GiB, e.g. 200MB.",
      ),
    requiredLabels: z
      .array(text('A label key.'))
      .optional()
      .describe("Labels every platform's image config must have, e.g. [org.opencontainers.image.source]."),
    vulnerabilities: z
      .strictObject({
        failOn: z
          .enum(SEVERITIES)
          .default('critical')
          .describe('Lowest severity that fails the release; none only reports. Default critical.'),
        ignore: z
          .array(text('A vulnerability ID.'))
          .optional()
          .describe('Vulnerability IDs to accept, e.g. [CVE-2024-12345, GHSA-xxxx-xxxx-xxxx].'),
      })
      .describe('Vulnerability scan policy.')
      .transform((v) => ({ failOn: v.failOn, ignore: v.ignore ?? [] }))
      .optional(),
  })
  .describe('Checks that must pass before any tag moves.')
  .transform((g) => ({
    ...(g.maxSize === undefined ? {} : { maxSize: g.maxSize }),
    requiredLabels: g.requiredLabels ?? [],
    ...(g.vulnerabilities === undefined ? {} : { vulnerabilities: g.vulnerabilities }),
  }))
  .prefault({});

export const signSchema = z
  .strictObject({
    key: text('Private key: env:NAME (the PEM in an environment variable, e.g. env:COSIGN_PRIVATE_KEY) or a file path.').optional(),
    keyless: z
      .boolean()
      .optional()
      .describe("Sign keyless with Sigstore (Fulcio certificate from the CI's OIDC identity, logged in Rekor)."),
  })
  .describe('cosign-compatible signature of the published index: set exactly one of key or keyless: true.')
  .transform((s, ctx) => {
    if (s.key !== undefined && s.keyless === true) {
      report(ctx, 'set either key or keyless: true, not both', ['keyless']);
      return z.NEVER;
    }
    if (s.key !== undefined) {
      const key = parseKeySource(s.key);
      if (key.ok) return { mode: 'key' as const, key: key.value };
      report(ctx, key.message, ['key']);
      return z.NEVER;
    }
    if (s.keyless === true) return { mode: 'keyless' as const };
    report(ctx, 'sign needs key: env:NAME (or a key file) or keyless: true; remove sign to publish unsigned');
    return z.NEVER;
  });

export const attestSchema = z
  .strictObject({
    sbom: z
      .union([z.boolean(), z.enum(['spdx', 'cyclonedx'])])
      .optional()
      .describe('Attach an SBOM as a referrer: spdx (SPDX 2.3), cyclonedx (CycloneDX 1.5+), true (= spdx) or false. Default false.'),
    provenance: z.boolean().optional().describe('Attach SLSA provenance v1 as a referrer. Default false.'),
  })
  .describe('Attestations attached to the published index.')
  .transform((a) => ({
    sbom: a.sbom === true ? ('spdx' as const) : (a.sbom ?? false),
    provenance: a.provenance ?? false,
  }))
  .prefault({});

export const pushSchema = z
  .strictObject({
    pullRequests: z.boolean().default(false).describe('Push images built for pull requests (tag pr-<n>). Default false: build only.'),
  })
  .describe('When images are pushed.')
  .prefault({});
