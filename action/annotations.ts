// gantry's error output as workflow annotations: problems located in a file (`gantry.yml:4:5: …`)
// annotate that line of the file; the rest become one error message.

export interface Annotation {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

const LOCATED = /^(\S[^:\n]*\.ya?ml):(\d+):(\d+): (.+)$/;

/**
 * The annotations of a failed run from its standard error: the text from gantry's last
 * `gantry: error:` (or `gantry: internal error:`) line to the end, split into located lines (each
 * with the lines that continue it) and the rest. Undefined when gantry printed no error.
 */
export function errorAnnotations(stderr: string): Annotation[] | undefined {
  const marks = [...stderr.matchAll(/^gantry: (?:internal )?error: /gm)];
  const last = marks.at(-1);
  if (last === undefined) return undefined;
  const text = stderr.slice(last.index + last[0].length).replace(/\s+$/, '');
  const out: { message: string; file?: string; line?: number; column?: number }[] = [];
  for (const line of text.split('\n')) {
    const m = LOCATED.exec(line);
    const prev = out.at(-1);
    if (m) out.push({ message: m[4]!, file: m[1]!, line: Number(m[2]), column: Number(m[3]) });
    else if (prev !== undefined) prev.message += `\n${line}`;
    else out.push({ message: line });
  }
  return out;
}
