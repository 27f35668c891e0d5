import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BuildahIsolation, BuildahStorage } from '../../builders/buildah/command.js';
import { isLoopbackHost } from '../../builders/dockerfile-scan.js';
import { ociArchitecture } from '../../builders/emulation.js';
import type { DigestRecord } from '../../release/digest-record.js';
import { createDockerfileBuilders, runBuilds } from '../../release/build-platforms.js';
import type { StagingTarget } from '../../builders/backend.js';
import { GantryError } from '../../oci/errors.js';
import { formatPlatform, parsePlatform } from '../../oci/platform.js';
import { formatRepository } from '../../oci/reference.js';
import type { ImagePlan } from '../../plan/release.js';
import { copyImage } from '../../publish/copy.js';
import { CliContext, type GlobalOptions } from '../clients.js';
import { locationReference, parseLocation, type Location } from '../../release/location.js';
import { printJson, table } from '../output.js';
import { formatBytes } from '../progress.js';
import type { ReleaseInputOptions } from '../../release/inputs.js';
import { hostsOf, run } from '../run.js';
import { addReleaseOptions } from '../release-options.js';
import { computeRelease } from './plan.js';
import { createLayersBuilder } from '../../builders/layers/index.js';
import { openLayout } from '../../layout/index.js';

export interface BuildFlags extends GlobalOptions, ReleaseInputOptions {
  image?: string[];
  platform?: string[];
  to?: string;
  recordDir: string;
  registryCheck?: boolean;
}

export function registerBuild(program: Command): void {
  addReleaseOptions(program.command('build'))
    .description('build the platforms of the images (default: all) and push each platform manifest by digest, never by tag; write one digest record per platform')
    .option('--image <name>', 'build this image (repeatable; default: every image)', collect, [])
    .option('--platform <os/arch[/variant]>', 'build this platform (repeatable; default: every platform of the image)', collect, [])
    .option('--to <destination>', 'stage here instead of the image\'s first repository: REGISTRY/REPO, or oci:DIR to build offline')
    .option('--record-dir <dir>', 'where to write the digest records', '.gantry/records')
    .action((_flags: unknown, cmd: Command) => run(cmd, (flags: BuildFlags) => buildCommand(process.cwd(), flags)));
}

async function buildCommand(cwd: string, flags: BuildFlags): Promise<void> {
  const records = await buildPlatforms(cwd, flags, await computeRelease(cwd, flags), resolve(cwd, flags.recordDir));
  if (flags.json) printJson(records);
  else process.stdout.write(`${formatRecords(records, flags.recordDir)}\n`);
}

/**
 * Builds the selected platforms of a planned release with each image's backend, pushing each by
 * digest to its staging destination, and writes the records. Used by `build`, and by `publish`
 * when it has no records (single-machine mode).
 */
export async function buildPlatforms(
  cwd: string,
  flags: Omit<BuildFlags, 'recordDir'>,
  release: Awaited<ReturnType<typeof computeRelease>>,
  recordDir: string,
): Promise<readonly DigestRecord[]> {
  const { config, configPath, context, plan } = release;
  const platforms = (flags.platform ?? []).map((p) => formatPlatform(parsePlatform(p)));
  const to = flags.to !== undefined ? parseStagingLocation(flags.to) : undefined;
  const configDir = configPath ? dirname(configPath) : cwd;
  const locations = to ? [to] : plan.images.map((i) => parseStagingLocation(i.repositories[0]!));
  const cli = await CliContext.create(flags, hostsOf(locations));
  try {
    const insecure = flags.insecureRegistry ?? [];
    const staging = async (image: ImagePlan): Promise<StagingTarget> => {
      const l = to ?? parseStagingLocation(image.repositories[0]!);
      if (l.kind === 'layout') {
        // Layout repositories in gantry.yml are relative to it; --to is relative to the working directory.
        const dir = resolve(to ? cwd : configDir, l.path);
        return { kind: 'layout', path: dir, store: await cli.store({ ...l, path: dir }, true) };
      }
      const host = l.ref.registry;
      return { kind: 'registry', repository: formatRepository(l.ref), store: await cli.store(l), insecure: isLoopbackHost(host) || insecure.includes(host) };
    };
    const builders = {
      ...createDockerfileBuilders({
        env: process.env,
        stage: async (src, digest, target, o) => {
          await copyImage(src, digest, [{ store: target }], { signal: o.signal });
        },
        tmpDir: tmpdir(),
        hostArch: ociArchitecture(process.arch),
        insecureRegistries: insecure,
        buildah: buildahSettings(process.env),
      }),
      layers: createLayersBuilder({
        tmpDir: tmpdir(),
        resolveBase: async (b) => {
          if (b.kind === 'layout') return { store: await openLayout(resolve(configDir, b.path)), reference: b.tag ?? 'latest' };
          const l = parseLocation(b.reference);
          return { store: await cli.store(l), reference: locationReference(l)! };
        },
      }),
    };
    const result = await runBuilds({
      plan,
      config,
      context,
      cwd: configDir,
      selection: { images: flags.image, platforms },
      builders,
      staging,
      recordDir,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    return result.records;
  } finally {
    await cli.close();
  }
}

/** A staging destination: a repository or a layout, never a tag (platforms are pushed by digest). */
function parseStagingLocation(text: string): Location {
  const l = parseLocation(text);
  const named = l.kind === 'registry' ? (l.explicitRef ? (l.ref.digest ?? l.ref.tag) : undefined) : l.ref;
  if (named !== undefined) {
    throw new GantryError('USAGE', `--to ${text}: name a repository or an OCI layout without a tag or digest; gantry build pushes each platform by digest and tags nothing`, { userError: true });
  }
  return l;
}

/** buildah's storage and isolation from GANTRY_BUILDAH_* (default: buildah's own storage.conf, chroot isolation). */
export function buildahSettings(env: NodeJS.ProcessEnv): { storage: BuildahStorage; isolation?: BuildahIsolation } {
  const root = env.GANTRY_BUILDAH_ROOT;
  const driver = env.GANTRY_BUILDAH_STORAGE_DRIVER;
  const isolation = env.GANTRY_BUILDAH_ISOLATION;
  if (isolation !== undefined && !['chroot', 'oci', 'rootless'].includes(isolation)) {
    throw new GantryError('USAGE', `GANTRY_BUILDAH_ISOLATION must be chroot, oci or rootless, not "${isolation}"`, { userError: true });
  }
  return {
    storage: {
      ...(driver ? { driver } : {}),
      ...(root ? { root: resolve(root, 'root'), runroot: resolve(root, 'runroot') } : {}),
    },
    ...(isolation ? { isolation: isolation as BuildahIsolation } : {}),
  };
}

/** The summary for people: one row per platform. */
export function formatRecords(records: readonly DigestRecord[], recordDir: string): string {
  const rows = records.map((r) => [r.image, r.platform, r.digest, formatBytes(r.compressedSize), r.backend, `${r.timings.seconds.toFixed(1)} s`, r.repository]);
  const head = `built ${records.length} platform${records.length === 1 ? '' : 's'} at ${records[0]?.revision.slice(0, 12) ?? ''}${records[0]?.version ? ` (version ${records[0].version})` : ''}, pushed by digest; records in ${recordDir}`;
  return [head, table([['IMAGE', 'PLATFORM', 'DIGEST', 'SIZE', 'BACKEND', 'TIME', 'PUSHED TO'], ...rows])].join('\n');
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
