/** Writes the one JSON document of a `--json` command to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines for people to stdout. */
export function printText(text: string): void {
  process.stdout.write(`${text}\n`);
}
