import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig, type DefaultConfigInput } from '../../../src/plan/config/index.js';

const imageOf = (input: DefaultConfigInput) => {
  const [image, ...rest] = defaultConfig(input).images;
  expect(rest).toEqual([]);
  return image;
};

describe('defaultConfig', () => {
  it('inside GitHub Actions: one image from ./Dockerfile, named after the repository, on ghcr.io (lowercased)', () => {
    const config = defaultConfig({
      github: { repository: 'Acme/Payments-API' },
      remoteRepository: 'git@gitlab.com:x/y.git',
      hasDockerfile: true,
    });
    expect(config).toEqual({
      version: 1,
      images: [
        {
          name: 'payments-api',
          repositories: [{ name: 'ghcr.io/acme/payments-api', optional: false }],
          platforms: ['linux/amd64', 'linux/arm64'],
          build: { backend: 'buildx', context: '.', dockerfile: 'Dockerfile', args: {}, platform: {} },
          flavor: { latest: 'auto', prefix: '', suffix: '', prefixOnLatest: false, suffixOnLatest: false },
          labels: {},
          annotations: {},
          gates: { requiredLabels: [] },
          attest: { sbom: false, provenance: false },
          push: { pullRequests: false },
        },
      ],
    });
  });

  it.each([
    ['git@github.com:acme/api.git', 'api', 'ghcr.io/acme/api'],
    ['https://github.com/Acme/API', 'api', 'ghcr.io/acme/api'],
    ['https://x-access-token:t@github.com/acme/api.git/', 'api', 'ghcr.io/acme/api'],
    ['ssh://git@github.com:22/acme/tool.kit.git', 'tool.kit', 'ghcr.io/acme/tool.kit'],
    ['git://github.com/acme/api', 'api', 'ghcr.io/acme/api'],
    ['acme/web', 'web', 'ghcr.io/acme/web'],
  ])('from the git remote %s', (remote, name, repository) => {
    const image = imageOf({ remoteRepository: remote, hasDockerfile: true });
    expect(image?.name).toBe(name);
    expect(image?.repositories).toEqual([{ name: repository, optional: false }]);
  });

  it.each([
    [{ hasDockerfile: false, github: { repository: 'acme/api' } }, 'there is no ./Dockerfile to build'],
    [{ hasDockerfile: true }, 'the repository is unknown (not running in GitHub Actions, and no git remote)'],
    [
      { hasDockerfile: true, remoteRepository: 'git@gitlab.com:acme/api.git' },
      'the git remote "git@gitlab.com:acme/api.git" is not on GitHub, so there is no default registry',
    ],
    [{ hasDockerfile: true, github: { repository: 'not a repo' } }, 'GITHUB_REPOSITORY "not a repo" is not owner/name'],
  ] as const)('explains how to write gantry.yml when it cannot guess (%j)', (input, reason) => {
    let error: unknown;
    try {
      defaultConfig(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_MISSING', userError: true, issues: [] });
    const message = (error as Error).message;
    expect(message).toContain(`no gantry.yml, and gantry cannot make a default configuration: ${reason}. Write a gantry.yml, for example:`);
    expect(message).toContain('images:\n  - name: app\n    repositories: [ghcr.io/OWNER/app]');
  });

  it.each(['acme/my..repo', 'acme/_private', 'acme/...'])('refuses %s, which docker cannot use as a repository name', (remote) => {
    expect(() => defaultConfig({ hasDockerfile: true, remoteRepository: remote })).toThrow(
      `${remote} does not make a valid image repository`,
    );
  });
});

describe('parseConfig with defaults', () => {
  const defaults: DefaultConfigInput = { github: { repository: 'acme/api' }, hasDockerfile: true };

  it('uses the default image when gantry.yml has no images', () => {
    const config = parseConfig('version: 1\n', 'gantry.yml', { defaults });
    expect(config.images.map((i) => [i.name, i.repositories[0]?.name])).toEqual([['api', 'ghcr.io/acme/api']]);
  });

  it('uses the default image for an empty file', () => {
    expect(parseConfig('', 'gantry.yml', { defaults }).images[0]?.name).toBe('api');
    expect(parseConfig('# nothing yet\n', 'gantry.yml', { defaults }).images[0]?.name).toBe('api');
  });

  it('keeps the images of the file when it has some', () => {
    const config = parseConfig('images: [{ name: web, repositories: [ghcr.io/acme/web] }]\n', 'gantry.yml', { defaults });
    expect(config.images.map((i) => i.name)).toEqual(['web']);
  });

  it('reports why there is no default image, at the top of the file', () => {
    let error: unknown;
    try {
      parseConfig('version: 1\n', 'gantry.yml', { defaults: { hasDockerfile: false } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        path: '',
        line: 1,
        column: 1,
        message: expect.stringContaining('missing key "images", and there is no default image: there is no ./Dockerfile to build'),
      },
    ]);
  });
});
