// Writes the example's base image (a tiny multi-arch busybox, from Debian's busybox-static that
// scripts/setup.sh fetched) as an OCI layout: node --import tsx scripts/make-example-base.ts DIR TAG
import { writeBusyboxBase } from '../test/harness/busybox-base.js';

const [dir = 'out/base', tag = 'busybox'] = process.argv.slice(2);
const base = await writeBusyboxBase(dir, tag);
process.stderr.write(`base image oci:${dir}:${tag} (${base.platforms.map((p) => p.platform).join(', ')}) ${base.indexDigest}\n`);
