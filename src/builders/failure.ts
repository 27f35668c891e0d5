// Turns a failed builder run into an error people can act on: which step failed, and the last lines
// of what the builder said. Pure.
import { parsePlatform } from '../oci/platform.js';
import { emulationHelp } from './emulation.js';
import { BuildError } from './errors.js';
import type { ToolRun } from './exec.js';

/** Lines of builder output an error message shows. */
export const FAILURE_TAIL_LINES = 20;

/**
 * The step a build failed at, from its output:
 * buildah prints `STEP 3/4: RUN …` before each step and ends with `Error: building at STEP "RUN …": …`;
 * BuildKit (`--progress=plain`) prints `#7 [2/3] RUN …` and `ERROR: failed to solve: …`.
 */
export function failingStep(lines: readonly string[]): string | undefined {
  const last = (re: RegExp): RegExpExecArray | undefined => {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = re.exec(lines[i]!);
      if (m) return m;
    }
    return undefined;
  };
  const buildahStep = last(/^STEP (\d+\/\d+): (.*)$/);
  const buildahError = last(/building at STEP "(.*)": /);
  if (buildahError) {
    return buildahStep && buildahStep[2] === buildahError[1] ? `STEP ${buildahStep[1]}: ${buildahStep[2]}` : buildahError[1];
  }
  // BuildKit names the failing vertex in an `ERROR` line under it: `#7 ERROR: process "…" did not complete successfully`.
  const vertexError = last(/^#(\d+) ERROR: /);
  if (vertexError) {
    const name = last(new RegExp(`^#${vertexError[1]} (\\[.*)$`));
    if (name) return name[1];
  }
  const solve = last(/^ERROR: failed to (?:solve|build): (.*)$/);
  if (solve) return solve[1];
  return buildahStep ? `STEP ${buildahStep[1]}: ${buildahStep[2]}` : undefined;
}

/** True when the output says a foreign binary could not run (no emulator registered). */
export function isExecFormatError(lines: readonly string[]): boolean {
  return lines.some((l) => /exec format error/i.test(l));
}

export interface FailureContext {
  readonly tool: string;
  readonly what: string;
  readonly image: string;
  readonly platform: string;
  readonly run: ToolRun;
  readonly tailLines?: number;
}

/** The error of a failed builder run: the failing step, the last lines, what was (not) pushed. */
export function buildFailure(c: FailureContext): BuildError {
  const lines = c.run.tail.filter((l) => l.trim() !== '');
  const step = failingStep(lines);
  const status = c.run.code !== null ? `exit ${c.run.code}` : `killed by ${c.run.signal ?? 'a signal'}`;
  const tail = lines.slice(-(c.tailLines ?? FAILURE_TAIL_LINES));
  const out = [`${c.what} of ${c.image} ${c.platform} failed (${c.tool}: ${status})${step ? ` at ${step}` : ''}`];
  if (tail.length) out.push(`last ${tail.length} lines of ${c.tool}'s output:`, ...tail.map((l) => `  | ${l}`));
  if (isExecFormatError(lines))
    out.push(`"exec format error": ${c.platform} binaries cannot run here; ${emulationHelp(parsePlatform(c.platform).architecture)}`);
  out.push('nothing was pushed under any tag, and no digest record was written for this platform');
  return new BuildError('BUILD_FAILED', out.join('\n'));
}
