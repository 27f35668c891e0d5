// gantry.yml text → validated, normalized GantryConfig, or one ConfigError listing every problem
// with its file:line:column. Pure: the CLI reads the file and passes its text and name.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Range } from 'yaml';
import { defaultImageInput, exampleConfig, type DefaultConfigInput } from './default-config.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { formatPath, toConfigIssues } from './issues.js';
import { configSchema } from './schema.js';
import type { GantryConfig } from './types.js';
import { occurrences, UNAVAILABLE_KEYS, unavailableMessage } from './unavailable.js';
import { YamlLocator } from './yaml-locate.js';

/** A problem a tag-rule parser found in an image's `tags`, at a 1-based line of the rules text. */
export interface TagRuleProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParseConfigOptions {
  /** When the file has no `images` key, use the default image (see `defaultConfig`). Without it, `images` is required. */
  readonly defaults?: DefaultConfigInput;
  /** Checks each image's tag rules, so their problems are reported at their line in gantry.yml. */
  readonly checkTags?: (rules: string) => readonly TagRuleProblem[];
}

type Path = (string | number)[];

/** Prefix of top-level keys gantry ignores. */
export const EXTENSION_PREFIX = 'x-';

/**
 * Keys that are not plain strings (`? [a, b]`), which no setting has, and keys set twice in one
 * mapping, which YAML forbids and which would silently keep one of the two values.
 */
function keyIssues(doc: Document, locator: YamlLocator): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node;
        const offset = (keyNode.range as Range)[0];
        if (!isScalar(keyNode)) {
          out.push({ path: formatPath(path), ...locator.position(offset), message: 'a key must be a plain string, not a list or mapping' });
          continue;
        }
        const key = String(keyNode.value);
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, offset);
        } else {
          const at = locator.position(first);
          const message = `duplicate key ${JSON.stringify(key)} (first set at line ${at.line}, column ${at.column}); remove one of them`;
          out.push({ path: formatPath([...path, key]), ...locator.position(offset), message });
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return out;
}

/** A key this version refuses, set in gantry.yml: where, and its formatted path. */
interface RefusedKey {
  readonly issue: ConfigIssue;
  readonly path: string;
}

/** Every key of unavailable.ts set in `data`, located at the key. */
function refusedKeys(data: unknown, locator: YamlLocator): RefusedKey[] {
  return UNAVAILABLE_KEYS.flatMap((key) =>
    occurrences(data, key.path).map((at) => {
      const path = formatPath(at);
      return { path, issue: { path, ...locator.locate(at, { at: 'key' }), message: unavailableMessage(key) } };
    }),
  );
}

/** True when a problem at `path` is at or inside a refused key. */
function isInside(path: string, refused: readonly RefusedKey[]): boolean {
  return refused.some((r) => path === r.path || path.startsWith(`${r.path}.`) || path.startsWith(`${r.path}[`));
}

/** Aliases (`*name`) without an anchor (`&name`) before them. */
function unresolvedAliases(doc: Document, locator: YamlLocator): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const walk = (node: unknown): void => {
    if (isAlias(node) && node.resolve(doc) === undefined) {
      const message = `invalid YAML: alias *${node.source} has no anchor &${node.source} before it`;
      out.push({ path: '', ...locator.position((node.range as Range)[0]), message });
    } else if (isMap(node)) {
      for (const pair of node.items) walk(pair.value);
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return out;
}

// What to do about the YAML errors people make most in hand-written files.
const YAML_HINTS: Readonly<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation of the lines below, and quote values that contain ": "',
  BAD_INDENT: 'check the indentation',
  TAB_AS_INDENT: 'indent with spaces',
  MULTIPLE_DOCS: 'gantry.yml holds one document: remove the "---" line',
  BAD_SCALAR_START: 'quote the value',
};

function syntaxIssues(doc: Document, locator: YamlLocator): ConfigIssue[] {
  // After the first syntax error the parser is resynchronizing, and what it reports next is mostly noise.
  const [first] = doc.errors;
  if (first !== undefined) {
    const hint = YAML_HINTS[first.code];
    const message = `invalid YAML: ${first.message.replace(/; please use YAML\.parseAllDocuments\(\)$/, '')}${hint === undefined ? '' : ` (${hint})`}`;
    return [{ path: '', ...locator.position(first.pos[0]), message }];
  }
  const warnings = doc.warnings.map((w) => ({ path: '', ...locator.position(w.pos[0]), message: `invalid YAML: ${w.message}` }));
  return [...warnings, ...keyIssues(doc, locator), ...unresolvedAliases(doc, locator)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and validates gantry.yml. `path` names the file in messages (`gantry.yml:12:7: …`).
 * Throws ConfigError('CONFIG_INVALID') with every problem found: YAML syntax, duplicate keys, then
 * (when the YAML is sound) every schema problem and every key this version refuses (unavailable.ts),
 * each at the line and column of its node.
 */
export function parseConfig(text: string, path: string, options: ParseConfigOptions = {}): GantryConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true, logLevel: 'error' });
  const locator = new YamlLocator(doc, text, lineCounter);
  const yamlIssues = syntaxIssues(doc, locator);
  if (yamlIssues.length > 0) throw new ConfigError('CONFIG_INVALID', path, yamlIssues);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (cause) {
    const message = `invalid YAML: ${(cause as Error).message}`;
    throw new ConfigError('CONFIG_INVALID', path, [{ path: '', line: 1, column: 1, message }], { cause });
  }
  if (isRecord(data)) {
    // Top-level `x-…` keys are extensions gantry ignores, as in compose files: a place for YAML anchors.
    data = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(EXTENSION_PREFIX)));
  }
  if (isRecord(data) && data.images === undefined && options.defaults !== undefined) {
    const image = defaultImageInput(options.defaults);
    if (!image.ok) {
      const message = `missing key "images", and there is no default image: ${image.message}; list the images to release, e.g.\n${exampleConfig()}`;
      throw new ConfigError('CONFIG_INVALID', path, [{ path: '', ...locator.locate([]), message }]);
    }
    data = { ...data, images: [{ ...image.value, repositories: [...image.value.repositories] }] };
  }

  // Keys whose feature this gantry does not have are refused, never accepted and ignored
  // (unavailable.ts); what the schema would say about their contents does not matter.
  const refused = refusedKeys(data, locator);
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const schemaIssues = toConfigIssues(result.error.issues, configSchema, locator).filter((i) => !isInside(i.path, refused));
    const issues = [...refused.map((r) => r.issue), ...schemaIssues].sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError('CONFIG_INVALID', path, issues, { cause: result.error });
  }
  if (refused.length > 0)
    throw new ConfigError(
      'CONFIG_INVALID',
      path,
      refused.map((r) => r.issue),
    );
  const config = result.data;
  if (options.checkTags !== undefined) {
    const check = options.checkTags;
    const tagIssues = config.images.flatMap((image, i) =>
      image.tags === undefined
        ? []
        : check(image.tags).map((p) => {
            const at: Path = ['images', i, 'tags'];
            return { path: formatPath(at), ...locator.locate(at, { line: p.line }), message: p.message };
          }),
    );
    if (tagIssues.length > 0) throw new ConfigError('CONFIG_INVALID', path, tagIssues);
  }
  return config;
}
