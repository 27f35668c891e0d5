// The door for what a release attaches to its images before any tag moves: signatures, SBOMs,
// provenance. An attach step sees each image after its content is confirmed in every repository
// and before its tags; what it pushes (referrers of the index or of a platform manifest) is part of
// the release, so a step that fails stops the release with no tag moved.
import type { Descriptor } from '../oci/descriptor.js';
import type { Store } from '../oci/store.js';
import type { ImagePublishPlan } from '../plan/publish-plan.js';
import { ReleaseError } from './errors.js';

/** One image as an attach step sees it. */
export interface AttachSubject {
  readonly image: string;
  /** The image index, as pushed to every repository. */
  readonly index: Descriptor;
  /** The platform manifests of the index. */
  readonly platforms: readonly { readonly platform: string; readonly descriptor: Descriptor }[];
  /** The repositories the image was pushed to (skipped ones are not here), with their stores. */
  readonly repositories: readonly { readonly repository: string; readonly store: Store }[];
}

export interface AttachContext {
  /** True in a dry run: say what would be attached, push nothing. */
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
}

/** What a step attached (or, in a dry run, would attach) to one image. */
export interface Attachment {
  readonly step: string;
  /** The artifact's manifest: a referrer whose subject is `subject`. */
  readonly descriptor: Descriptor;
  readonly subject: Descriptor;
  readonly artifactType?: string | undefined;
  /** The repositories it is in. */
  readonly repositories: readonly string[];
  /** False when it was already there (a rerun), or in a dry run. */
  readonly pushed: boolean;
}

/** A step of the attach door. */
export interface AttachStep {
  /** A short name for logs and results: `sbom`, `provenance`, `signature`. */
  readonly name: string;
  attach(subject: AttachSubject, ctx: AttachContext): Promise<readonly Attachment[]>;
}

/** The subject of one image for the attach steps. */
export function attachSubject(plan: ImagePublishPlan, repositories: AttachSubject['repositories']): AttachSubject {
  return {
    image: plan.name,
    index: plan.index.descriptor,
    platforms: plan.platforms.map((p) => ({ platform: p.platform, descriptor: p.descriptor })),
    repositories,
  };
}

/** Runs every step on every subject, in order of the steps; a failure names the step and the image. */
export async function runAttachSteps(
  steps: readonly AttachStep[],
  subjects: readonly AttachSubject[],
  ctx: AttachContext,
): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const step of steps) {
    for (const subject of subjects) {
      if (subject.repositories.length === 0) continue;
      try {
        out.push(...(await step.attach(subject, ctx)));
      } catch (e) {
        if (e instanceof ReleaseError) throw e;
        throw new ReleaseError(
          'ATTACH_FAILED',
          `${subject.image}: attach step ${step.name} failed, so no tag moved: ${(e as Error).message}`,
          {
            cause: e,
            userError: (e as { userError?: boolean }).userError ?? false,
          },
        );
      }
    }
  }
  return out;
}
