// Keys of gantry.yml whose schema exists but whose feature does not yet: gantry refuses them when it
// loads the file (exit 2), so that no setting is ever accepted and then ignored (issue 12, part 1: a
// release that the user believes signed, attested or scanned must not go out unsigned with exit 0).
// Each key stays defined in the schema, for the issue that implements it to switch it on by removing
// its entry here.
/** A path in gantry.yml; `*` stands for every item of a list. */
type KeyPath = readonly string[];

export interface UnavailableKey {
  readonly path: KeyPath;
  /** The gantry issue that implements it. */
  readonly issue: number;
  /** What to do meanwhile. */
  readonly instead: string;
}

/** The keys refused at load, in schema order. */
export const UNAVAILABLE_KEYS: readonly UnavailableKey[] = [
  {
    path: ['images', '*', 'gates', 'vulnerabilities'],
    issue: 16,
    instead: 'scan the published digest with Trivy or Grype after publishing',
  },
  {
    path: ['images', '*', 'sign'],
    issue: 15,
    instead: 'sign with cosign after publishing (cosign sign IMAGE@DIGEST)',
  },
  {
    path: ['images', '*', 'attest'],
    issue: 14,
    instead: 'attach an SBOM or provenance with your current tools after publishing (e.g. cosign attest IMAGE@DIGEST)',
  },
  {
    path: ['chart'],
    issue: 18,
    instead: 'package and push the chart with helm after publishing',
  },
];

/** The message for a refused key. */
export function unavailableMessage(key: UnavailableKey): string {
  return `not available in this version of gantry (issue ${key.issue}); remove it, or ${key.instead}`;
}

/** The refused key at `path` (`images[0].sign` as ['images', 0, 'sign']), if it is one. */
export function unavailableAt(path: readonly (string | number)[]): UnavailableKey | undefined {
  return UNAVAILABLE_KEYS.find(
    (k) => k.path.length === path.length && k.path.every((s, i) => (s === '*' ? typeof path[i] === 'number' : s === path[i])),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The concrete paths in `data` (gantry.yml as YAML gave it) where `key` is set. */
export function occurrences(data: unknown, key: KeyPath, at: (string | number)[] = []): (string | number)[][] {
  const [head, ...rest] = key;
  if (head === undefined) return [at];
  if (head === '*') return Array.isArray(data) ? data.flatMap((item, i) => occurrences(item, rest, [...at, i])) : [];
  return isRecord(data) && data[head] !== undefined ? occurrences(data[head], rest, [...at, head]) : [];
}
