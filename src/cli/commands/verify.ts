import type { Command } from 'commander';
import { parsePlatform, verifyImage } from '../../release/index.js';
import { connectionOptions, type GlobalOptions } from '../connection-flags.js';
import { printJson } from '../output.js';
import { EXIT, run } from '../run.js';

interface VerifyFlags extends GlobalOptions {
  readonly platforms?: string;
  readonly label?: string[];
  readonly anonymous?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'check a published image as its users pull it: platforms, every manifest, config and layer reachable, labels (exit 3 when it refuses)',
    )
    .argument('<ref>', 'REGISTRY/REPO:TAG or oci:DIR:TAG')
    .option('--platforms <list>', 'platforms the index must have, comma-separated (e.g. linux/amd64,linux/arm64)')
    .option('--label <key[=value]>', 'a label every platform must carry (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--anonymous', 'pull without credentials, as a public user or Kubernetes node would')
    .action((ref: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: VerifyFlags) => {
        const env = flags.anonymous ? { PATH: process.env.PATH, HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' } : process.env;
        const report = await verifyImage(ref, {
          ...(await connectionOptions(flags, env)),
          platforms: (flags.platforms ?? '')
            .split(',')
            .filter(Boolean)
            .map((p) => parsePlatform(p.trim())),
          labels: parseLabels(flags.label ?? []),
        });
        if (flags.json) printJson(report);
        else {
          process.stdout.write(`${ref} → ${report.digest}\n`);
          for (const c of report.checks) process.stdout.write(`  ${c.passed ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
          process.stdout.write(report.passed ? `verified${flags.anonymous ? ' (anonymously)' : ''}\n` : 'refused\n');
        }
        if (!report.passed) process.exitCode = EXIT.refused;
      }),
    );
}

/** `--label key` (present) or `--label key=value` (with that value). */
function parseLabels(flags: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    flags.map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, undefined] : [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}
