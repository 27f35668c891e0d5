// Which images and platforms one `gantry build` builds: all by default, or those named by --image and
// --platform (a CI matrix job builds one image's one platform). Pure.
import type { GantryConfig, ImageSpec } from '../plan/config/index.js';
import type { ImagePlan, Plan } from '../plan/release.js';
import { BuildError } from './errors.js';

export interface BuildSelection {
  /** Image names; all images when absent or empty. */
  readonly images?: readonly string[] | undefined;
  /** Canonical platforms; each image's own when absent or empty. */
  readonly platforms?: readonly string[] | undefined;
}

/** One image to build and the platforms of it to build. */
export interface SelectedImage {
  readonly plan: ImagePlan;
  readonly spec: ImageSpec;
  readonly platforms: readonly string[];
}

const usage = (message: string) => new BuildError('BUILD_INPUT_INVALID', message, { userError: true });

/**
 * The builds a selection names. An image named with --image must have every --platform asked for;
 * without --image, images that lack an asked platform are skipped, and at least one must have it.
 */
export function selectBuilds(plan: Plan, config: GantryConfig, s: BuildSelection = {}): SelectedImage[] {
  const names = s.images?.length ? s.images : undefined;
  const platforms = s.platforms?.length ? [...new Set(s.platforms)] : undefined;
  for (const n of names ?? []) {
    if (!plan.images.some((i) => i.name === n)) {
      throw usage(`there is no image "${n}" in gantry.yml; images: ${plan.images.map((i) => i.name).join(', ')}`);
    }
  }
  const out: SelectedImage[] = [];
  for (const p of plan.images) {
    if (names && !names.includes(p.name)) continue;
    const spec = config.images.find((i) => i.name === p.name);
    if (!spec) throw new BuildError('BUILD_INPUT_INVALID', `the plan has an image "${p.name}" that gantry.yml does not`);
    const chosen = platforms ? p.platforms.filter((x) => platforms.includes(x)) : [...p.platforms];
    if (names && platforms && chosen.length < platforms.length) {
      const missing = platforms.filter((x) => !p.platforms.includes(x));
      throw usage(`image "${p.name}" is not built for ${missing.join(', ')}; its platforms are ${p.platforms.join(', ')}`);
    }
    if (chosen.length) out.push({ plan: p, spec, platforms: chosen });
  }
  if (out.length === 0) {
    throw usage(
      `no image is built for ${platforms?.join(', ') ?? 'any platform'}; platforms of the images: ${plan.images.map((i) => `${i.name}: ${i.platforms.join(', ')}`).join('; ')}`,
    );
  }
  return out;
}
