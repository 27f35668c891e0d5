// The `tags` and `flavor` inputs of docker/metadata-action: one entry per line, `#` starts a
// comment line, and each line is one CSV record of `key=value` fields (a field may be quoted,
// `"value=a,b"`, with `""` for a quote inside). That is what actions-toolkit's
// `Util.getInputList(name, {ignoreComma: true, comment: '#', commentNoInfix: true})` reads.

/** One non-blank, non-comment line of a rules or flavor text. */
export interface Line {
  /** Line number in the text the user wrote (counting from `firstLine`). */
  readonly line: number;
  /** The line, trimmed. */
  readonly text: string;
}

/** One `key=value` field; `key` is undefined for a bare value (`type=raw,foo`). */
export interface Field {
  readonly key: string | undefined;
  readonly value: string;
}

/** Splits a rules text (or a list of lines) into its meaningful lines. */
export function splitLines(input: string | readonly string[], firstLine = 1): Line[] {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input;
  const out: Line[] = [];
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text !== '' && !text.startsWith('#')) out.push({ line: firstLine + i, text });
  });
  return out;
}

/**
 * Splits one line into fields. Keys are lowercased; keys and values are trimmed; empty fields
 * (`type=sha,`) are dropped. Returns a problem string when a quote is not closed.
 */
export function splitFields(text: string): Field[] | string {
  const raw: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let field = '';
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (i >= text.length) return `the quote opened in ${JSON.stringify(text)} is not closed`;
        if (text[i] !== '"') {
          field += text[i];
        } else if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          break;
        }
      }
      i++;
      // Text between the closing quote and the comma is kept, as csv-parse's relax_quotes does.
    }
    while (i < text.length && text[i] !== ',') field += text[i++];
    raw.push(field);
    i++;
  }
  return raw
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map(toField);
}

function toField(f: string): Field {
  // metadata-action splits at the first "=" that has a key before it: `value=a=b` is value "a=b".
  const eq = f.indexOf('=');
  if (eq <= 0) return { key: undefined, value: f };
  return { key: f.slice(0, eq).trim().toLowerCase(), value: f.slice(eq + 1).trim() };
}
