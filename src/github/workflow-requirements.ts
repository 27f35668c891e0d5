// What a release workflow has to provide for one gantry.yml: registries to log in to, tools to set
// up, permissions of the token, secrets to pass on, and the chart job. Pure: a parsed configuration in,
// facts out, so the generated workflow asks for exactly what the configuration uses.
import { parsePlatform } from '../oci/platform.js';
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
  };
}
