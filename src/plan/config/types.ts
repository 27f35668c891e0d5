// Types of gantry.yml, inferred from the zod schema: the output types are validated and normalized
// (defaults filled in, platforms and repositories canonical, sizes in bytes), the input type is the
// file as written.
import type { z } from 'zod';
import type { configInputSchema, configSchema } from './schema.js';

/** gantry.yml after validation and normalization. */
export type GantryConfig = z.output<typeof configSchema>;
/** gantry.yml as written (every field a user may set). */
export type GantryConfigInput = z.input<typeof configInputSchema>;

/** One image: where it goes, for which platforms, how it is built, tagged, gated, signed. */
export type ImageSpec = GantryConfig['images'][number];
/** A repository to publish to: canonical `registry/path`; optional ones are used only when their credentials are present. */
export type RepositorySpec = ImageSpec['repositories'][number];
/** `build`: a union discriminated by `backend`. */
export type BuildSpec = ImageSpec['build'];
export type Backend = BuildSpec['backend'];
/** buildx or buildah: a Dockerfile build. */
export type DockerfileBuildSpec = Extract<BuildSpec, { backend: 'buildx' | 'buildah' }>;
/** gantry's layers builder: base image plus files. */
export type LayersBuildSpec = Extract<BuildSpec, { backend: 'layers' }>;
/** Per-platform settings of a Dockerfile build (keys of `platform` are canonical platforms). */
export type PlatformOverride = DockerfileBuildSpec['platform'][string];
export type CacheSpec = NonNullable<DockerfileBuildSpec['cache']>;
export type CopyRule = LayersBuildSpec['copy'][number];
export type BaseImageSpec = LayersBuildSpec['base'];
export type FlavorSpec = ImageSpec['flavor'];
export type GateSpec = ImageSpec['gates'];
export type VulnerabilityGate = NonNullable<GateSpec['vulnerabilities']>;
export type Severity = VulnerabilityGate['failOn'];
export type SignSpec = NonNullable<ImageSpec['sign']>;
export type KeySourceSpec = Extract<SignSpec, { mode: 'key' }>['key'];
export type AttestSpec = ImageSpec['attest'];
export type PushSpec = ImageSpec['push'];
export type ChartSpec = NonNullable<GantryConfig['chart']>;
/** `ci`: settings of the CI workflow `gantry init github` writes. */
export type CiSpec = NonNullable<GantryConfig['ci']>;
