import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made with openssl for one test: its certificate and key (PEM paths). */
export interface TestCa {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA (P-256, one day) named `name`, written into `dir`. */
export function makeCa(dir: string, name: string): TestCa {
  const [key, cert] = [join(dir, `${name}.key`), join(dir, `${name}.pem`)];
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

/**
 * A certificate issued by `ca` into `dir` as `<name>.pem` + `<name>.key`: a server certificate for
 * the subject alternative names `san` (`IP:1.2.3.4`, `DNS:host`), or a client certificate.
 */
export function issue(ca: TestCa, dir: string, name: string, o: { san?: string; client?: boolean }): { cert: string; key: string } {
  const [key, csr, cert, ext] = ['key', 'csr', 'pem', 'ext'].map((x) => join(dir, `${name}.${x}`)) as [string, string, string, string];
  openssl(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  writeFileSync(ext, o.client ? 'extendedKeyUsage=clientAuth\n' : `subjectAltName=${o.san ?? ''}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-out', cert, '-extfile', ext]);
  return { cert, key };
}
