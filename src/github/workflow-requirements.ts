// What a release workflow has to provide for one gantry.yml: registries to log in to, tools to set
// up, permissions of the token, secrets to pass on, and the chart job. Pure: a parsed configuration in,
// facts out, so the generated workflow asks for exactly what the configuration uses.
import { parsePlatform } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import { backendTraits } from '../plan/config/backend-traits.js';
import type { GantryConfig } from '../plan/config/index.js';
import { DEFAULT_RUNNERS } from '../plan/release.js';

/** What the workflow must provide for a configuration. */
export interface WorkflowRequirements {
  /** Some repository (or the chart's) is on ghcr.io: the jobs need `packages` permission. */
  readonly ghcr: boolean;
  /** Some repository, or a layers base image, is on Docker Hub: pass the Docker Hub secrets. */
  readonly dockerHub: boolean;
  /** Some image builds with buildx: set up a BuildKit builder (docker/setup-buildx-action). */
  readonly buildx: boolean;
  /** Dockerfile platforms with no native runner: they run under QEMU (docker/setup-qemu-action). */
  readonly emulated: readonly string[];
  /**
   * Keyless signing, or attestations (signed with the workflow's identity through Sigstore): the
   * publish job needs an OIDC token, `id-token: write`. Not `attestations: write`: that scope is for GitHub's
   * own attestation store, and gantry attaches SBOMs and provenance to the image as OCI referrers.
   * Always false in this version: `sign` and `attest` are refused when gantry.yml is loaded (issues 14
   * and 15), and a workflow asks for no permission that nothing uses.
   */
  readonly idToken: boolean;
  /**
   * Environment variables holding signing keys (`sign.key: env:NAME`), passed from secrets of the
   * same name. Empty in this version (`sign` is refused, issue 15).
   */
  readonly keyEnv: readonly string[];
  /** The chart job. Absent in this version (`chart` is refused, issue 18). */
  readonly chart?: { readonly path: string; readonly repository: string; readonly image: string };
  /**
   * Registries other than GHCR and Docker Hub (which the Action logs in to from its inputs), each
   * logged in to by the steps its users already use, in the order gantry.yml names them.
   */
  readonly logins: readonly RegistryLogin[];
  /**
   * Every image builds with `layers`, which runs nothing of the image: one job builds every platform
   * on one runner (no emulation, no arm64 runner) and publishes, instead of a matrix.
   */
  readonly singleJob: boolean;
}

/** How a workflow logs in to one registry (the docker config these steps write is what gantry reads). */
export type RegistryLogin =
  /** Amazon ECR: aws-actions/configure-aws-credentials (an OIDC role) + aws-actions/amazon-ecr-login. */
  | (LoginBase & { readonly kind: 'ecr'; readonly account: string; readonly region: string })
  /** Amazon ECR Public (public.ecr.aws): the same, with registry-type public (its region is us-east-1). */
  | (LoginBase & { readonly kind: 'ecr-public' })
  /** Google Artifact Registry (and Container Registry): google-github-actions/auth (workload identity) + docker/login-action. */
  | (LoginBase & { readonly kind: 'gar' })
  /** Azure ACR, Quay and any other registry: docker/login-action with secrets named after the registry. */
  | (LoginBase & { readonly kind: 'secrets'; readonly username: string; readonly password: string; readonly azure: boolean });

interface LoginBase {
  /** The registry's host (and port), as docker config.json keys it. */
  readonly host: string;
  /** Every repository gantry.yml names on it is optional: log in only when its settings are there. */
  readonly optional: boolean;
  /** Some image stages its builds here (its first required repository): the plan and build jobs log in too. */
  readonly staging: boolean;
}

/** Secret names for a registry: its host in capitals, other characters as `_` (quay.io → QUAY_IO_USERNAME). */
export function registrySecretNames(host: string): { username: string; password: string } {
  const base = host.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const name = /^[0-9]/.test(base) ? `REGISTRY_${base}` : base;
  return { username: `${name}_USERNAME`, password: `${name}_PASSWORD` };
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const GAR_HOST = /^(?:[a-z0-9-]+-docker\.pkg\.dev|(?:[a-z]+\.)?gcr\.io)$/;
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** The login a registry host needs, or undefined when the Action's inputs cover it (GHCR, Docker Hub) or none applies (loopback). */
export function loginOf(host: string, optional = false, staging = false): RegistryLogin | undefined {
  if (host === 'ghcr.io' || host === 'docker.io' || LOOPBACK_HOST.test(host)) return undefined;
  const base = { host, optional, staging };
  const ecr = ECR_HOST.exec(host);
  if (ecr) return { ...base, kind: 'ecr', account: ecr[1]!, region: ecr[2]! };
  if (host === 'public.ecr.aws') return { ...base, kind: 'ecr-public' };
  if (GAR_HOST.test(host)) return { ...base, kind: 'gar' };
  return { ...base, kind: 'secrets', ...registrySecretNames(host), azure: host.endsWith('.azurecr.io') };
}

/** Registries of `config`'s repositories, in order, each once: optional only when every repository there is. */
function registryLogins(config: GantryConfig): RegistryLogin[] {
  const hosts = new Map<string, { optional: boolean; staging: boolean }>();
  for (const image of config.images) {
    const staging = image.repositories.find((r) => !r.optional)?.name;
    for (const r of image.repositories) {
      if (r.name.startsWith('oci:')) continue;
      const host = parseReference(r.name).registry;
      const seen = hosts.get(host) ?? { optional: true, staging: false };
      hosts.set(host, { optional: seen.optional && r.optional, staging: seen.staging || r.name === staging });
    }
  }
  return [...hosts].flatMap(([host, h]) => loginOf(host, h.optional, h.staging) ?? []);
}

const onDockerHub = (repository: string): boolean => repository.startsWith('docker.io/');
const onGhcr = (repository: string): boolean => repository.startsWith('ghcr.io/');

/** Reads what a release workflow for `config` needs. */
export function workflowRequirements(config: GantryConfig): WorkflowRequirements {
  const repositories = config.images.flatMap((i) => i.repositories.map((r) => r.name));
  const bases = config.images.flatMap((i) =>
    i.build.backend === 'layers' && i.build.base.kind === 'registry' ? [i.build.base.reference] : [],
  );
  const emulated = new Set<string>();
  for (const image of config.images) {
    if (!backendTraits(image.build.backend).runsImageCode) continue; // it runs nothing of the image, so needs no emulation
    for (const platform of image.platforms) {
      const native = DEFAULT_RUNNERS[parsePlatform(platform).architecture] !== undefined;
      if (!native && image.build.platform[platform]?.runner === undefined) emulated.add(platform);
    }
  }
  // sign, attest and chart are refused at load (src/plan/config/unavailable.ts) until issues 14, 15
  // and 18 land: nothing here asks for an OIDC token, signing keys or a chart job before then.
  return {
    ghcr: repositories.some(onGhcr),
    dockerHub: repositories.some(onDockerHub) || bases.some(onDockerHub),
    buildx: config.images.some((i) => backendTraits(i.build.backend).runnerSetup === 'buildx'),
    emulated: [...emulated].sort(),
    idToken: false,
    keyEnv: [],
    logins: registryLogins(config),
    singleJob: config.images.every((i) => i.build.backend === 'layers'),
  };
}
