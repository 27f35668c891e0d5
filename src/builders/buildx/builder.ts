// The buildx backend: BuildKit through `docker buildx build`, one platform per run, pushed by digest
// (never a tag) straight to the staging repository, the digest read from --metadata-file and
// checked against the manifest the registry returns. Offline (`oci:DIR` staging) BuildKit writes an
// OCI layout, copied to the staging layout by digest like buildah's.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openLayout } from '../../layout/index.js';
import type { ManifestBytes, Store } from '../../oci/store.js';
import { readDockerfile } from '../dockerfile-file.js';
import { resolveDockerfileInputs } from '../dockerfile-inputs.js';
import { BuildError } from '../errors.js';
import { runTool, ToolMissing, type ToolRun } from '../exec.js';
import { buildFailure } from '../failure.js';
import { compressedSize, type StageImage } from '../staging.js';
import type { Builder, BuildRequest, BuildResult } from '../backend.js';
import { buildxBuildArgs, type BuildxOutput } from './command.js';
import { parseBuildxMetadata } from './metadata.js';

export interface BuildxBuilderOptions {
  /** The environment of docker (the CLI passes its own); `SOURCE_DATE_EPOCH` is added per build. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Copies an image from BuildKit's OCI layout to a staging layout by digest (the CLI passes copyImage). */
  readonly stage: StageImage;
  readonly tmpDir: string;
  /** Inside GitHub Actions: the gha cache is used (scoped per image and platform). */
  readonly githubActions: boolean;
  /** Default `docker`. */
  readonly binary?: string | undefined;
  /** Lines of build output in a failure message; default 20. */
  readonly tailLines?: number | undefined;
}

/** How to get `docker buildx`, for BUILDER_MISSING messages. */
export const INSTALL_BUILDX =
  "install Docker with the buildx plugin (Debian/Ubuntu, from Docker's apt repository: apt-get install docker-ce-cli docker-buildx-plugin; " +
  "Debian's own packages: apt-get install docker.io docker-buildx; in GitHub Actions: docker/setup-buildx-action), or choose backend: buildah or layers";

/** Creates the buildx backend. */
export function createBuildxBuilder(o: BuildxBuilderOptions): Builder {
  const binary = o.binary ?? 'docker';
  let checked: Promise<void> | undefined;
  const run = async (
    args: readonly string[],
    cwd: string,
    env: Record<string, string | undefined>,
    log?: (l: string) => void,
    signal?: AbortSignal,
  ): Promise<ToolRun> => {
    try {
      return await runTool(binary, args, { cwd, env, signal, onLine: log });
    } catch (e) {
      if (e instanceof ToolMissing) {
        throw new BuildError(
          'BUILDER_MISSING',
          `${binary} is not installed (the buildx backend runs "${binary} buildx build"): ${INSTALL_BUILDX}`,
          { userError: true, cause: e },
        );
      }
      throw e;
    }
  };
  // `docker buildx version` works without a daemon: it tells a missing plugin from a failing build.
  const ensureBuildx = async (cwd: string): Promise<void> => {
    const r = await run(['buildx', 'version'], cwd, { ...o.env });
    if (r.code !== 0) {
      const said = r.tail
        .filter((l) => l.trim() !== '')
        .slice(-3)
        .join(' / ');
      throw new BuildError(
        'BUILDER_MISSING',
        `the docker buildx plugin is not installed ("${binary} buildx version" said: ${said}): ${INSTALL_BUILDX}`,
        { userError: true },
      );
    }
  };

  return {
    async build(req: BuildRequest): Promise<BuildResult> {
      const started = performance.now();
      const inputs = resolveDockerfileInputs(req);
      await readDockerfile(inputs);
      checked ??= ensureBuildx(inputs.cwd);
      await checked;
      if (inputs.cache?.type === 'gha' && !o.githubActions)
        req.log(`${inputs.image} ${inputs.platform}: the gha cache exists only inside GitHub Actions; building without a cache`);
      const env: Record<string, string | undefined> = { ...o.env, SOURCE_DATE_EPOCH: String(inputs.sourceDateEpoch) };
      const tmp = await mkdtemp(join(o.tmpDir, 'gantry-buildx-'));
      try {
        const layoutDir = join(tmp, 'layout');
        const output: BuildxOutput =
          req.staging.kind === 'registry'
            ? { kind: 'registry', repository: req.staging.repository, insecure: req.staging.insecure }
            : { kind: 'layout', dir: layoutDir };
        const metadataFile = join(tmp, 'metadata.json');
        const args = buildxBuildArgs(inputs, { output, metadataFile, githubActions: o.githubActions });
        req.log(`${inputs.image} ${inputs.platform}: ${binary} ${args.join(' ')}`);
        const b = await run(args, inputs.cwd, env, (l) => req.log(`  ${l}`), req.signal);
        if (b.code !== 0)
          throw buildFailure({
            tool: `${binary} buildx`,
            what: 'build',
            image: inputs.image,
            platform: inputs.platform,
            run: b,
            ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
          });

        const meta = parseBuildxMetadata(await readFile(metadataFile, 'utf8'));
        let manifest: ManifestBytes;
        if (req.staging.kind === 'registry') {
          // Read back what BuildKit pushed: verified against the digest, and proof that it is there.
          manifest = await req.staging.store.fetchManifest(meta.digest, { signal: req.signal });
        } else {
          const layout: Store = await openLayout(layoutDir);
          manifest = await layout.fetchManifest(meta.digest, { signal: req.signal });
          await o.stage(layout, meta.digest, req.staging.store, { signal: req.signal });
        }
        const d = manifest.descriptor;
        if (meta.descriptor && (meta.descriptor.size !== d.size || meta.descriptor.mediaType !== d.mediaType)) {
          throw new BuildError(
            'BUILD_OUTPUT_INVALID',
            `buildx described ${meta.digest} as ${meta.descriptor.mediaType}, ${meta.descriptor.size} bytes; the manifest is ${d.mediaType}, ${d.size} bytes`,
          );
        }
        req.log(`${inputs.image} ${inputs.platform}: pushed ${meta.digest} to ${req.staging.store.name} (by digest)`);
        return {
          platform: inputs.platform,
          descriptor: { mediaType: meta.descriptor?.mediaType ?? d.mediaType, digest: d.digest, size: d.size },
          compressedSize: compressedSize(manifest),
          backend: 'buildx',
          seconds: (performance.now() - started) / 1000,
        };
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}
