import type { Command } from 'commander';
import { anonymousEnv, formatVerifyReport, parseLabelRequirements, parsePlatformList, verifyImage } from '../../release/index.js';
import { connectionOptions, type GlobalOptions } from '../connection-flags.js';
import { printJson, printText } from '../output.js';
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
        const report = await verifyImage(ref, {
          ...(await connectionOptions(flags, flags.anonymous ? anonymousEnv(process.env) : process.env)),
          platforms: parsePlatformList(flags.platforms),
          labels: parseLabelRequirements(flags.label ?? []),
          anonymous: flags.anonymous,
        });
        if (flags.json) printJson(report);
        else printText(formatVerifyReport(ref, report, flags.anonymous ?? false));
        if (!report.passed) process.exitCode = EXIT.refused;
      }),
    );
}
