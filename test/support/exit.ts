import { expect } from 'vitest';
import { runningServerLogs } from '../harness/server-logs.js';
import type { CliResult } from './cli.js';

const STDERR_LINES = 40;
const STDOUT_LINES = 20;
const SERVER_LOG_LINES = 30;
/** Server log lines longer than this are cut (distribution's error lines carry a dozen fields). */
const LOG_LINE_CHARS = 300;

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
const cut = (line: string): string => (line.length > LOG_LINE_CHARS ? `${line.slice(0, LOG_LINE_CHARS)}…` : line);

function section(title: string, text: string, lines: number, shorten = (l: string): string => l): string {
  if (text.trim() === '') return `${title}: (empty)`;
  const all = text.trimEnd().split('\n');
  const shown = all.slice(-lines);
  const head = shown.length < all.length ? `${title} (last ${shown.length} of ${all.length} lines):` : `${title}:`;
  return [head, ...shown.map((l) => `  | ${shorten(l)}`)].join('\n');
}

/** What a failed exit-code assertion prints: the command, how it ended, its output, the registries' logs. */
export function explainExit(r: CliResult, expected: number): string {
  const ended = r.timedOut ? 'timed out and was killed' : r.signal ? `was killed by ${r.signal}` : `exited ${r.code}`;
  const env = Object.entries(r.env)
    .map(([k, v]) => `${k}=${quote(v)} `)
    .join('');
  return [
    `gantry ${ended} after ${(r.ms / 1000).toFixed(1)} s; expected exit ${expected}`,
    `  cd ${quote(r.cwd)} && ${env}gantry ${r.args.map(quote).join(' ')}`,
    `  (argv: ${r.argv.map(quote).join(' ')})`,
    section('stderr', r.stderr, STDERR_LINES),
    section('stdout', r.stdout, STDOUT_LINES),
    ...runningServerLogs().map((s) => section(`${s.name} log`, s.tail(SERVER_LOG_LINES), SERVER_LOG_LINES, cut)),
  ].join('\n');
}

/** Asserts that a gantry run exited with `code`; when it did not, the failure says why (see {@link explainExit}). */
export function expectExit(r: CliResult, code: number): void {
  const ok = r.code === code && !r.timedOut;
  expect({ code: r.code, timedOut: r.timedOut }, ok ? undefined : `\n${explainExit(r, code)}\n`).toEqual({ code, timedOut: false });
}
