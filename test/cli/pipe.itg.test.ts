// `gantry … | head -1`: a reader that closes the pipe early ends gantry's output quietly, as it
// ends any Unix tool's (no EPIPE stack trace, no failure exit).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

describe('gantry writing into a closed pipe', () => {
  it('stops quietly with exit 0 when its reader has gone', async () => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Our end closes before gantry has written anything (as `head` does once it has its lines), so
    // every write of gantry's meets a closed pipe.
    child.stdout.destroy();
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
