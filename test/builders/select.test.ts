import { describe, expect, it } from 'vitest';
import { selectBuilds } from '../../src/builders/select.js';
import { planOf } from './support.js';

const { config, plan } = planOf(`images:
  - name: api
    repositories: [ghcr.io/acme/api]
    platforms: [linux/amd64, linux/arm64]
  - name: tool
    repositories: [ghcr.io/acme/tool]
    platforms: [linux/amd64]
`);
const picked = (s: Parameters<typeof selectBuilds>[2]) =>
  selectBuilds(plan, config, s).map((x) => `${x.spec.name}:${x.platforms.join('+')}`);

describe('choosing what to build', () => {
  it('everything by default; --image and --platform narrow it', () => {
    expect(picked({})).toEqual(['api:linux/amd64+linux/arm64', 'tool:linux/amd64']);
    expect(picked({ images: ['tool'] })).toEqual(['tool:linux/amd64']);
    expect(picked({ platforms: ['linux/arm64'] })).toEqual(['api:linux/arm64']);
    expect(picked({ images: ['api'], platforms: ['linux/arm64', 'linux/arm64'] })).toEqual(['api:linux/arm64']);
  });

  it('refuses an unknown image, a platform a named image lacks, a platform no image has', () => {
    const err = (s: Parameters<typeof selectBuilds>[2]) => {
      try {
        selectBuilds(plan, config, s);
      } catch (e) {
        return e as { code: string; userError: boolean; message: string };
      }
      throw new Error('no error');
    };
    expect(err({ images: ['web'] })).toMatchObject({
      code: 'BUILD_INPUT_INVALID',
      userError: true,
      message: 'there is no image "web" in gantry.yml; images: api, tool',
    });
    expect(err({ images: ['tool'], platforms: ['linux/arm64'] }).message).toBe(
      'image "tool" is not built for linux/arm64; its platforms are linux/amd64',
    );
    expect(err({ platforms: ['linux/s390x'] }).message).toMatch(
      /^no image is built for linux\/s390x; platforms of the images: api: linux\/amd64, linux\/arm64; tool: linux\/amd64$/,
    );
  });
});
