// A few facts read from a Dockerfile's text, without building it: which images its stages start
// from (to know whether pulls need plain HTTP) and whether it runs anything (to know whether a
// foreign platform needs emulation). Only the instructions' heads are read; this is no parser.

/** Instructions with backslash continuations joined, comments and blank lines dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Expands `$NAME`, `${NAME}` and `${NAME:-default}` with `vars`; unknown names become empty. */
function expand(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      const v = vars.get(name);
      return v !== undefined && v !== '' ? v : (dflt ?? '');
    },
  );
}

/**
 * The images the stages of a Dockerfile start from, with build args expanded (global `ARG`
 * defaults, overridden by `args`). Stage names and `scratch` are left out.
 */
export function fromImages(text: string, args: Iterable<readonly [string, string]> = []): string[] {
  const given = new Map(args);
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const ins of instructions(text)) {
    const [keyword = '', ...rest] = ins.split(/\s+/);
    const kw = keyword.toUpperCase();
    if (kw === 'ARG' && !seenFrom) {
      for (const decl of rest) {
        const eq = decl.indexOf('=');
        const name = eq < 0 ? decl : decl.slice(0, eq);
        const value = given.get(name) ?? (eq < 0 ? undefined : decl.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
        if (value !== undefined) vars.set(name, value);
      }
    } else if (kw === 'FROM') {
      seenFrom = true;
      const words = rest.filter((w) => !w.startsWith('--'));
      const image = expand(words[0] ?? '', vars);
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
      if (image && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase())) images.push(image);
    }
  }
  return images;
}

/** The registry host of an image reference, or undefined for Docker Hub's short names. */
export function registryHost(image: string): string | undefined {
  const first = image.split('/')[0] ?? '';
  if (!image.includes('/')) return undefined;
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** True for `localhost`, `127.x.y.z` and `[::1]` hosts (with or without a port): plain HTTP is fine there. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** True when a stage starts from a loopback registry or one of `insecure`: its pull needs plain HTTP. */
export function needsInsecurePull(text: string, args: Iterable<readonly [string, string]>, insecure: readonly string[]): boolean {
  return fromImages(text, args).some((image) => {
    const host = registryHost(image);
    return host !== undefined && (isLoopbackHost(host) || insecure.includes(host));
  });
}

/** True when the Dockerfile has a `RUN` instruction: only those execute the platform's binaries. */
export function hasRunInstruction(text: string): boolean {
  return instructions(text).some((ins) => /^RUN(\s|$)/i.test(ins));
}
