// Finds where a value of gantry.yml is written, from its path in the parsed data
// (["images", 1, "platforms", 0]), using the node ranges eemeli/yaml keeps.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface LocateOptions {
  /** Point at the key of the last path element instead of its value. */
  readonly at?: 'key' | undefined;
  /** 1-based line within a multi-line string (a `|` block) or list of lines. */
  readonly line?: number | undefined;
}

/** Merge keys (`<<: *defaults`) hold the pairs a map inherits. */
const MERGE_KEY = '<<';

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function findPair(doc: Document, map: YAMLMap, key: string | number, depth = 0): Pair | undefined {
  const own = map.items.find((p) => isScalar(p.key) && typeof p.key.value !== 'symbol' && String(p.key.value) === String(key));
  if (own !== undefined || depth > 8) return own;
  for (const p of map.items) {
    // With `merge: true` the key's value is a symbol; its source is always `<<`.
    if (!isScalar(p.key) || p.key.source !== MERGE_KEY) continue;
    const source = deref(doc, p.value);
    const sources = isSeq(source) ? source.items.map((s) => deref(doc, s)) : [source];
    for (const s of sources) {
      // yaml's toJS has already refused merge sources that are not mappings.
      const inherited = findPair(doc, s as YAMLMap, key, depth + 1);
      if (inherited !== undefined) return inherited;
    }
  }
  return undefined;
}

export class YamlLocator {
  readonly #doc: Document;
  readonly #text: string;
  readonly #lines: LineCounter;

  constructor(doc: Document, text: string, lines: LineCounter) {
    this.#doc = doc;
    this.#text = text;
    this.#lines = lines;
  }

  /** The position of an offset in the text, 1-based. */
  position(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where the value at `path` is written; when the path leads to a key that is not in the file
   * (a missing required key), where its parent is written.
   */
  locate(path: readonly (string | number)[], options: LocateOptions = {}): Position {
    let node: unknown = this.#doc.contents;
    let key: Node | undefined;
    for (const segment of path) {
      const current = deref(this.#doc, node);
      let pair: Pair | undefined;
      let item: unknown;
      if (isMap(current)) pair = findPair(this.#doc, current, segment);
      else if (isSeq(current) && typeof segment === 'number') item = current.items[segment];
      if (pair !== undefined) {
        key = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (item !== undefined) {
        key = undefined;
        node = item;
      } else {
        return this.#start(current, undefined, {});
      }
    }
    return this.#start(node, key, options);
  }

  #start(node: unknown, key: Node | undefined, options: LocateOptions): Position {
    const n = node as Node | null | undefined;
    // An empty value (`platforms:` with nothing after it) has a zero-width range: show its key.
    const empty = isScalar(n) && n.value === null && n.range != null && n.range[0] === n.range[1];
    if (key?.range != null && (options.at === 'key' || empty || n?.range == null)) return this.position(key.range[0]);
    if (n?.range == null) return { line: 1, column: 1 };
    if (options.line !== undefined) {
      if (isSeq(n)) {
        const item = n.items[options.line - 1] as Node | undefined;
        if (item?.range != null) return this.position(item.range[0]);
      } else if (isScalar(n) && n.type === Scalar.BLOCK_LITERAL) {
        return this.#blockLine(n.range[0], options.line);
      }
    }
    return this.position(n.range[0]);
  }

  /** Line `k` of a `|` block starts k lines below its header; point at its first non-blank character. */
  #blockLine(headerOffset: number, k: number): Position {
    let offset = headerOffset;
    for (let i = 0; i < k; i++) {
      const next = this.#text.indexOf('\n', offset);
      if (next < 0) break;
      offset = next + 1;
    }
    while (this.#text[offset] === ' ' || this.#text[offset] === '\t') offset++;
    return this.position(offset);
  }
}
