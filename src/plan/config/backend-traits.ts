// The builder backends gantry.yml can name, and what each asks of the machine it runs on. This table
// is the plan's half of registering a backend; the other half, the code that builds, is registered
// in src/builders/backends.ts, whose map the compiler keeps complete against these names.

/** What a backend needs from a CI runner (the generated workflow reads these). */
export interface BackendTraits {
  /** One line for `backend:` in the JSON Schema. */
  readonly summary: string;
  /** Runs the image's own code while building (RUN steps), so a foreign platform needs QEMU emulation. */
  readonly runsImageCode: boolean;
  /** A setup step the runner needs first: docker/setup-buildx-action for BuildKit. */
  readonly runnerSetup?: 'buildx';
}

export const BACKEND_TRAITS = {
  buildx: { summary: 'BuildKit through docker buildx', runsImageCode: true, runnerSetup: 'buildx' },
  buildah: { summary: 'daemonless Dockerfile builds', runsImageCode: true },
  layers: { summary: "gantry's own builder, a base image plus files, no Dockerfile, no emulation", runsImageCode: false },
} as const satisfies Readonly<Record<string, BackendTraits>>;

/** A backend's name in gantry.yml. */
export type BackendName = keyof typeof BACKEND_TRAITS;

export const BACKENDS = Object.keys(BACKEND_TRAITS) as [BackendName, ...BackendName[]];

/** The traits of a backend. */
export function backendTraits(name: BackendName): BackendTraits {
  return BACKEND_TRAITS[name];
}
