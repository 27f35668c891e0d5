// Where each image of a publish goes, and the stores publishing reads and writes.
import type { Store } from '../oci/store.js';
import type { ImagePublishPlan } from '../plan/publish-plan.js';
import type { GateResult, PlatformFacts } from './gates.js';

/** What publishing does to one tag of a repository: `was` is where a moved tag pointed before. */
export type TagChange = { readonly tag: string; readonly how: 'created' | 'moved' | 'unchanged'; readonly was?: string };

/** How publish reaches repositories; built by the release library (the only place that makes clients). */
export interface PublishStores {
  /** The store of a repository (`ghcr.io/acme/api`) or layout (`oci:PATH`). */
  open(repository: string): Promise<Store>;
  /** Whether credentials exist for it (optional repositories without them are skipped). */
  hasCredentials(repository: string): Promise<boolean>;
}

/** One repository an image goes to: its store, or why it is skipped. */
export interface Target {
  readonly repository: string;
  readonly store?: Store;
  readonly skipped?: string;
}

/** One image on its way: its plan, its targets, and (after the gates) its measured platforms. */
export interface ImageWork {
  readonly plan: ImagePublishPlan;
  readonly targets: readonly Target[];
  readonly facts: readonly PlatformFacts[];
  readonly gates: readonly GateResult[];
}

/** The targets of an image: every repository, optional ones only when their credentials exist. */
export async function resolveTargets(p: ImagePublishPlan, stores: PublishStores, log: (line: string) => void): Promise<Target[]> {
  const targets: Target[] = [];
  for (const r of p.repositories) {
    if (p.optionalRepositories.includes(r) && !(await stores.hasCredentials(r))) {
      targets.push({ repository: r, skipped: 'optional, and no credentials for it' });
      log(`${p.name}: skipping ${r}: optional, and no credentials for it`);
    } else targets.push({ repository: r, store: await stores.open(r) });
  }
  return targets;
}

/** The targets that receive content: not skipped, and the image is pushed at all (not a pull request). */
export function liveTargets(w: Pick<ImageWork, 'plan' | 'targets'>): { readonly repository: string; readonly store: Store }[] {
  if (!w.plan.push) return [];
  return w.targets.flatMap((t) => (t.store ? [{ repository: t.repository, store: t.store }] : []));
}
