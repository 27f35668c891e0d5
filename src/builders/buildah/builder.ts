// The buildah backend: a daemonless Dockerfile build per platform (foreign platforms' RUN steps under
// QEMU user emulation), then the image goes to a temporary OCI layout and from there to the staging
// target by digest, with gantry's own copy (verified, nothing tagged).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openLayout } from '../../layout/index.js';
import { parsePlatform } from '../../oci/platform.js';
import { readDockerfile } from '../dockerfile-file.js';
import { resolveDockerfileInputs } from '../dockerfile-inputs.js';
import { hasRunInstruction, needsInsecurePull } from '../dockerfile-scan.js';
import { checkEmulation, isNativePlatform, qemuBinfmtName, readBinfmtState, type BinfmtState } from '../emulation.js';
import { BuildError } from '../errors.js';
import { runTool, ToolMissing, type ToolRun } from '../exec.js';
import { buildFailure } from '../failure.js';
import { compressedSize, type StageImage } from '../staging.js';
import type { Builder, BuildRequest, BuildResult } from '../backend.js';
import { buildahBuildArgs, buildahPushArgs, buildahRmiArgs, type BuildahIsolation, type BuildahStorage } from './command.js';

export interface BuildahBuilderOptions {
  /** The environment of buildah (the CLI passes its own); `SOURCE_DATE_EPOCH` is added per build. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Copies the built image to the staging target by digest (the CLI passes gantry's copyImage). */
  readonly stage: StageImage;
  /** Where temporary layouts go (the CLI: the OS temp dir). */
  readonly tmpDir: string;
  /** The OCI architecture of this machine (`amd64`). */
  readonly hostArch: string;
  /** Default `buildah`. */
  readonly binary?: string | undefined;
  readonly storage?: BuildahStorage | undefined;
  /** Default `chroot`. */
  readonly isolation?: BuildahIsolation | undefined;
  /** Registries spoken to over plain HTTP besides loopback ones (`--insecure-registry`). */
  readonly insecureRegistries?: readonly string[] | undefined;
  /** Reads a binfmt_misc entry; default: /proc/sys/fs/binfmt_misc. */
  readonly binfmtState?: ((name: string) => Promise<BinfmtState>) | undefined;
  /** Lines of buildah output in a failure message; default 20. */
  readonly tailLines?: number | undefined;
}

const INSTALL_BUILDAH =
  'buildah is not installed (the buildah backend runs "buildah build"): install it with apt-get install buildah (Debian 11+, Ubuntu 20.10+; Fedora: dnf install buildah), or choose backend: buildx or layers';

/** Creates the buildah backend. Platforms of one run are built one after another (they share buildah's storage). */
export function createBuildahBuilder(o: BuildahBuilderOptions): Builder {
  const binary = o.binary ?? 'buildah';
  const run = async (
    args: readonly string[],
    cwd: string,
    env: Record<string, string | undefined>,
    req: BuildRequest,
    echo: boolean,
  ): Promise<ToolRun> => {
    try {
      return await runTool(binary, args, { cwd, env, signal: req.signal, onLine: echo ? (l) => req.log(`  ${l}`) : undefined });
    } catch (e) {
      if (e instanceof ToolMissing) throw new BuildError('BUILDER_MISSING', INSTALL_BUILDAH, { userError: true, cause: e });
      throw e;
    }
  };

  return {
    async build(req: BuildRequest): Promise<BuildResult> {
      const started = performance.now();
      const inputs = resolveDockerfileInputs(req);
      const text = await readDockerfile(inputs);
      if (inputs.cache !== undefined)
        req.log(
          `${inputs.image} ${inputs.platform}: build.cache is not used by the buildah backend (buildah's --cache-to pushes one tag per layer); building without a cache`,
        );
      if (!isNativePlatform(inputs.platform, o.hostArch) && hasRunInstruction(text)) {
        const state = await (o.binfmtState ?? ((n) => readBinfmtState(n)))(qemuBinfmtName(parsePlatform(inputs.platform).architecture));
        checkEmulation({ platform: inputs.platform, hostArch: o.hostArch, runsCommands: true, state });
        req.log(`${inputs.image} ${inputs.platform}: not native on ${o.hostArch}; RUN steps run under QEMU user emulation`);
      }
      const env: Record<string, string | undefined> = { ...o.env, SOURCE_DATE_EPOCH: String(inputs.sourceDateEpoch) };
      const tag = `gantry-build-${randomBytes(8).toString('hex')}`;
      const tmp = await mkdtemp(join(o.tmpDir, 'gantry-buildah-'));
      let built = false;
      try {
        const args = buildahBuildArgs(inputs, {
          tag,
          isolation: o.isolation ?? 'chroot',
          tlsVerify: !needsInsecurePull(text, inputs.buildArgs, o.insecureRegistries ?? []),
          storage: o.storage,
        });
        req.log(`${inputs.image} ${inputs.platform}: ${binary} ${args.join(' ')}`);
        const b = await run(args, inputs.cwd, env, req, true);
        if (b.code !== 0)
          throw buildFailure({ tool: binary, what: 'build', image: inputs.image, platform: inputs.platform, run: b, ...tail(o) });
        built = true;

        const layoutDir = join(tmp, 'layout');
        const digestFile = join(tmp, 'digest');
        // A push to a local layout needs no credentials, but buildah 1.28 refuses to start when the
        // auth file that DOCKER_CONFIG or REGISTRY_AUTH_FILE names does not exist.
        const { DOCKER_CONFIG: _d, REGISTRY_AUTH_FILE: _r, ...pushEnv } = env;
        const p = await run(buildahPushArgs(tag, layoutDir, digestFile, o.storage), inputs.cwd, pushEnv, req, false);
        if (p.code !== 0)
          throw buildFailure({
            tool: binary,
            what: 'push to a temporary OCI layout',
            image: inputs.image,
            platform: inputs.platform,
            run: p,
            ...tail(o),
          });

        const layout = await openLayout(layoutDir);
        const descriptor = await layout.resolve('build');
        const reported = (await readFile(digestFile, 'utf8')).trim();
        if (reported !== descriptor.digest) {
          throw new BuildError(
            'BUILD_OUTPUT_INVALID',
            `buildah reported ${reported} for ${inputs.image} ${inputs.platform}, but its layout holds ${descriptor.digest}`,
          );
        }
        const manifest = await layout.fetchManifest(descriptor, { signal: req.signal });
        await o.stage(layout, descriptor.digest, req.staging.store, { signal: req.signal });
        req.log(`${inputs.image} ${inputs.platform}: pushed ${descriptor.digest} to ${req.staging.store.name} (by digest)`);
        return {
          platform: inputs.platform,
          descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size },
          compressedSize: compressedSize(manifest),
          backend: 'buildah',
          seconds: (performance.now() - started) / 1000,
        };
      } finally {
        if (built) {
          // Not cancelled with the build: the local image is removed even when the build was aborted.
          const r = await run(buildahRmiArgs(tag, o.storage), inputs.cwd, env, { ...req, signal: undefined }, false).catch(() => undefined);
          if (r?.code !== 0)
            req.log(`${inputs.image} ${inputs.platform}: could not remove the local image ${tag}: ${r?.tail.at(-1) ?? ''}`);
        }
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}

function tail(o: BuildahBuilderOptions): { tailLines?: number } {
  return o.tailLines !== undefined ? { tailLines: o.tailLines } : {};
}
