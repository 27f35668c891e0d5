import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DockerfileInputs } from './dockerfile-inputs.js';
import { BuildError } from './errors.js';

/** The platform's Dockerfile, or a user error naming the setting it came from. */
export async function readDockerfile(i: DockerfileInputs): Promise<string> {
  try {
    return await readFile(resolve(i.cwd, i.dockerfile), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `${i.image} ${i.platform}: cannot read the Dockerfile ${i.dockerfile} (${code === 'ENOENT' ? 'no such file' : (e as Error).message}); ` +
        `it is set by build.dockerfile or build.platform.${i.platform}.dockerfile, relative to gantry.yml`,
      { userError: true, cause: e },
    );
  }
}
