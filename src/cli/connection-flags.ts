// The options every command that talks to registries takes, turned into the library's ConnectionOptions.
import { ReleaseError, type ConnectionOptions, type Env } from '../release/index.js';

/** Options shared by every command that talks to registries. */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly username?: string;
  readonly passwordStdin?: boolean;
  readonly insecureRegistry?: string[];
  readonly caFile?: string[];
  readonly verbose?: boolean;
}

/** The library's connection options from the global flags: the login from standard input, the log on stderr. */
export async function connectionOptions(o: GlobalOptions, env: Env = process.env): Promise<ConnectionOptions> {
  let login: ConnectionOptions['login'];
  if (o.username !== undefined || o.passwordStdin) {
    if (!o.username || !o.passwordStdin) {
      throw new ReleaseError(
        'USAGE',
        '--username and --password-stdin go together: pass the user name with --username and the password on standard input',
        { userError: true },
      );
    }
    const password = (await readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new ReleaseError('USAGE', '--password-stdin: standard input was empty', { userError: true });
    login = { username: o.username, password };
  }
  return { env, login, insecureRegistries: o.insecureRegistry ?? [], caFiles: o.caFile ?? [], log: stderrLog(o.verbose ?? false) };
}

/** Log lines on stderr; retries only with --verbose. */
export function stderrLog(verbose: boolean): (line: string) => void {
  return (m) => {
    if (verbose || !m.includes('retrying')) process.stderr.write(`gantry: ${m}\n`);
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
