import { appendFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * Writes step outputs to $GITHUB_OUTPUT, using the heredoc form for every value so multi-line
 * values (tag lists, JSON) survive (docs: workflow commands, "multiline strings").
 */
export async function writeGitHubOutputs(file: string | undefined, outputs: Readonly<Record<string, string>>): Promise<void> {
  if (!file) return;
  let text = '';
  for (const [k, v] of Object.entries(outputs)) {
    const delimiter = `gantry_${randomBytes(8).toString('hex')}`;
    text += `${k}<<${delimiter}\n${v}\n${delimiter}\n`;
  }
  await appendFile(file, text);
}

/** Appends Markdown to $GITHUB_STEP_SUMMARY. */
export async function writeStepSummary(file: string | undefined, markdown: string): Promise<void> {
  if (file) await appendFile(file, `${markdown}\n`);
}

/** Escapes a value for a Markdown table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}
