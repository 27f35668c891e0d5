// Build requests for unit tests: a gantry.yml parsed and planned as the CLI would, with a fixed context.
import { openLayout } from '../../src/layout/index.js';
import type { BuildRequest, StagingTarget } from '../../src/builders/backend.js';
import type { Store } from '../../src/oci/store.js';
import { parseConfig, type GantryConfig } from '../../src/plan/config/index.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { makePlan, type Plan } from '../../src/plan/release.js';

export const CONTEXT: ReleaseContext = {
  event: 'tag',
  ref: 'refs/tags/v1.2.3',
  sha: '0123456789abcdef0123456789abcdef01234567',
  commitTime: '2024-05-01T10:00:00Z',
  tag: 'v1.2.3',
  repository: { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' },
};

/** 2024-05-01T10:00:00Z */
export const EPOCH = 1714557600;

export function planOf(yaml: string, ctx: ReleaseContext = CONTEXT): { config: GantryConfig; plan: Plan } {
  const config = parseConfig(yaml, 'gantry.yml');
  return { config, plan: makePlan(config, ctx) };
}

/** A store that must not be used (command-line tests never reach it). */
const UNUSED: Store = new Proxy({} as Store, {
  get: (_t, p) => (p === 'name' ? 'unused' : () => Promise.reject(new Error(`store.${String(p)} called`))),
});

export const REGISTRY_STAGING: StagingTarget = { kind: 'registry', repository: 'ghcr.io/acme/api', store: UNUSED, insecure: false };

export function requestFor(
  yaml: string,
  image: string,
  platform: string,
  o: { staging?: StagingTarget; cwd?: string; ctx?: ReleaseContext } = {},
): BuildRequest {
  const { config, plan } = planOf(yaml, o.ctx);
  const spec = config.images.find((i) => i.name === image)!;
  return {
    image: spec,
    platform,
    plan: plan.images.find((i) => i.name === image)!,
    context: o.ctx ?? CONTEXT,
    cwd: o.cwd ?? '/src/acme',
    staging: o.staging ?? REGISTRY_STAGING,
    log: () => undefined,
  };
}

export async function layoutStaging(dir: string): Promise<StagingTarget> {
  return { kind: 'layout', path: dir, store: await openLayout(dir, { create: true }) };
}
