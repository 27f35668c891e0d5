// The image config of a layers build: the base's, with the platform, the new layers' diff_ids and
// history, and the runtime settings of `build`. Serialized with a fixed key order (image-spec's Go
// struct order, as containerd and buildkit write it) so equal inputs give equal bytes.
import type { Platform } from '../../oci/descriptor.js';
import type { Digest } from '../../oci/digest.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../../oci/manifest.js';
import type { LayersBuildSpec } from '../../plan/config/index.js';

export interface ConfigInputs {
  readonly base: ImageConfig | undefined;
  readonly platform: Platform;
  readonly build: LayersBuildSpec;
  /** The plan's labels (every image of the release). */
  readonly planLabels: Readonly<Record<string, string>>;
  /** One per new layer, in order. */
  readonly layers: readonly { readonly diffId: Digest; readonly createdBy: string }[];
  /** RFC 3339, seconds precision: the commit time. */
  readonly created: string;
}

// image-spec specs-go/v1/config.go ImageConfig, in field order.
const CONTAINER_KEYS = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
] as const;

function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const m = new Map(entries);
  const out: Record<string, T> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as T;
  return out;
}

/** Base env with ours merged in: same names are replaced in place, new ones appended in the order given. */
export function mergeEnv(base: readonly string[], ours: Readonly<Record<string, string>>): string[] {
  const nameOf = (e: string): string => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const seen = new Set<string>();
  const out = base.map((e) => {
    const name = nameOf(e);
    seen.add(name);
    const v = ours[name];
    return v === undefined ? e : `${name}=${v}`;
  });
  for (const [k, v] of Object.entries(ours)) if (!seen.has(k)) out.push(`${k}=${v}`);
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

function containerConfig(i: ConfigInputs): Record<string, unknown> {
  const base: ContainerConfig = i.base?.config ?? {};
  const b = i.build;
  // Like a Dockerfile's ENTRYPOINT: a new entrypoint drops the base's CMD unless cmd is given too.
  const cmd = b.cmd ?? (b.entrypoint !== undefined ? undefined : base.Cmd);
  const values: Record<string, unknown> = {
    User: b.user ?? base.User,
    ExposedPorts: sortedRecord([
      ...Object.entries(base.ExposedPorts ?? {}).map(([k]) => [k, {}] as const),
      ...b.exposedPorts.map((p) => [p, {}] as const),
    ]),
    Env: mergeEnv(base.Env ?? [], b.env),
    Entrypoint: b.entrypoint ?? base.Entrypoint,
    Cmd: cmd,
    Volumes:
      base.Volumes === null || base.Volumes === undefined
        ? undefined
        : sortedRecord(Object.entries(base.Volumes).map(([k]) => [k, {}] as const)),
    WorkingDir: b.workdir ?? base.WorkingDir,
    Labels: sortedRecord([...Object.entries(base.Labels ?? {}), ...Object.entries(i.planLabels), ...Object.entries(b.labels)]),
    StopSignal: base.StopSignal,
    ArgsEscaped: base.ArgsEscaped === true ? true : undefined,
  };
  const out: Record<string, unknown> = {};
  for (const k of CONTAINER_KEYS) if (!isEmpty(values[k])) out[k] = values[k];
  // Fields image-spec does not define (Docker's Healthcheck, Shell, OnBuild…) are kept, sorted.
  const known: ReadonlySet<string> = new Set(CONTAINER_KEYS);
  for (const k of Object.keys(base).sort()) {
    const v = (base as Record<string, unknown>)[k];
    if (!known.has(k) && !isEmpty(v)) out[k] = v;
  }
  return out;
}

function historyEntry(h: HistoryEntry): HistoryEntry {
  return {
    ...(h.created !== undefined ? { created: h.created } : {}),
    ...(h.created_by !== undefined ? { created_by: h.created_by } : {}),
    ...(h.author !== undefined ? { author: h.author } : {}),
    ...(h.comment !== undefined ? { comment: h.comment } : {}),
    ...(h.empty_layer === true ? { empty_layer: true } : {}),
  };
}

/** The new config and its exact bytes. */
export function buildImageConfig(i: ConfigInputs): { config: ImageConfig; bytes: Uint8Array } {
  const p = i.platform;
  const history: HistoryEntry[] = [
    ...(i.base?.history ?? []).map(historyEntry),
    ...i.layers.map((l) => ({ created: i.created, created_by: l.createdBy })),
  ];
  const config = {
    created: i.created,
    architecture: p.architecture,
    os: p.os,
    ...(p['os.version'] !== undefined ? { 'os.version': p['os.version'] } : {}),
    ...(p['os.features'] !== undefined ? { 'os.features': p['os.features'] } : {}),
    ...(p.variant !== undefined ? { variant: p.variant } : {}),
    config: containerConfig(i),
    rootfs: { type: 'layers' as const, diff_ids: [...(i.base?.rootfs.diff_ids ?? []), ...i.layers.map((l) => l.diffId)] },
    history,
  } satisfies ImageConfig;
  return { config, bytes: new TextEncoder().encode(JSON.stringify(config)) };
}
