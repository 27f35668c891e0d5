// Workflows moved from docker/metadata-action (issue 13, part B), run as a user runs gantry: a pull
// request job that only builds, repositories written as `${{ github.repository }}` spells them, and
// metadata-action's DOCKER_METADATA_* settings.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { git } from '../support/git.js';
import { tempDir } from '../support/images.js';

interface PlanJson {
  revision: string;
  images: { push: boolean; tags: string[]; tagNames: string[]; decisions: string[]; annotations: Record<string, string> }[];
}

/** A repository whose one image is built by the layers backend from scratch (no registry, no network). */
async function repoWith(repositories: string, tags?: string): Promise<string> {
  const dir = await tempDir('gantry-pr-');
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'hello.txt'), 'hello\n');
  const lines = [
    'images:',
    '  - name: app',
    `    repositories: [${repositories}]`,
    '    platforms: [linux/amd64]',
    '    build:',
    '      backend: layers',
    '      base: scratch',
    '      copy: [{ from: hello.txt, to: /hello.txt }]',
    ...(tags === undefined ? [] : ['    tags: |', `      ${tags}`]),
    '',
  ];
  await writeFile(join(dir, 'gantry.yml'), lines.join('\n'));
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** GitHub Actions' variables for `event` with `payload`, at `sha`. */
async function actionsEnv(dir: string, event: string, ref: string, sha: string, payload: unknown): Promise<Record<string, string>> {
  const path = join(dir, '..', `${event}-${Date.now()}.json`);
  await writeFile(path, JSON.stringify(payload));
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: path,
    GITHUB_REF: ref,
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'MyOrg/MyApp',
    GITHUB_SERVER_URL: 'https://github.com',
  };
}

const prPayload = (head: string) => ({
  number: 5,
  pull_request: { number: 5, head: { ref: 'feature/x', sha: head } },
  repository: { default_branch: 'main' },
});

describe('pull requests, capitals and DOCKER_METADATA_* through the CLI', () => {
  it('a pull request no rule tags is built and exits 0 (nothing pushed); the same rules on a tag push exit 2', async () => {
    const dir = await repoWith('oci:./out/app', 'type=semver,pattern={{version}}');
    const sha = git(dir, 'rev-parse', 'HEAD');
    const env = await actionsEnv(dir, 'pull_request', 'refs/pull/5/merge', sha, prPayload(sha));
    const pub = await gantry(['publish', '--json'], { cwd: dir, env });
    expectExit(pub, 0);
    const result = JSON.parse(pub.stdout) as {
      images: { platforms: { platform: string; digest: string }[]; repositories: { skipped?: string; tags: unknown[] }[] }[];
    };
    expect(result.images[0]!.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    expect(result.images[0]!.platforms[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.images[0]!.repositories).toEqual([{ repository: 'oci:./out/app', skipped: 'not pushed (pull request)', tags: [] }]);
    // Built by digest only: the layout holds the platform manifest and no tag.
    const index = JSON.parse(await readFile(join(dir, 'out', 'app', 'index.json'), 'utf8')) as { manifests: { annotations?: object }[] };
    expect(index.manifests.filter((m) => m.annotations !== undefined && 'org.opencontainers.image.ref.name' in m.annotations)).toEqual([]);
    const plan = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir, env });
    expectExit(plan, 0);
    expect((JSON.parse(plan.stdout) as PlanJson).images[0]).toMatchObject({
      push: false,
      tags: [],
      decisions: expect.arrayContaining(['pull request: no rule makes a tag, so it is built, not pushed']) as unknown,
    });

    const blobs = () => readdir(join(dir, 'out', 'app', 'blobs', 'sha256'));
    const before = await blobs();
    const tagEnv = await actionsEnv(dir, 'push', 'refs/tags/nightly', sha, { repository: { default_branch: 'main' } });
    const refused = await gantry(['publish', '--json'], { cwd: dir, env: tagEnv });
    expectExit(refused, 2);
    expect(refused.stderr).toContain('image "app": no tag rule applies to this tag event, so there is nothing to publish');
    expect(refused.stdout).toBe('');
    expect(await blobs()).toEqual(before); // refused before building anything
  });

  it('a repository written with capitals is lowercased, and the plan says so', async () => {
    const dir = await repoWith('ghcr.io/MyOrg/MyApp');
    git(dir, 'tag', 'v1.0.0');
    const r = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir });
    expectExit(r, 0);
    const image = (JSON.parse(r.stdout) as PlanJson).images[0]!;
    expect(image.tags).toContain('ghcr.io/myorg/myapp:1.0.0');
    expect(image.tags.filter((t) => /[A-Z]/.test(t))).toEqual([]);
    expect(image.decisions).toContain(
      'repository ghcr.io/MyOrg/MyApp written with capitals: lowercased to ghcr.io/myorg/myapp, as registries require (and metadata-action does)',
    );
    const human = await gantry(['plan', '--no-registry-check'], { cwd: dir });
    expectExit(human, 0);
    expect(human.stdout).toContain('written with capitals: lowercased to ghcr.io/myorg/myapp');
  });

  it('DOCKER_METADATA_PR_HEAD_SHA=true: the sha tag names the head; the revision is the commit checked out', async () => {
    const dir = await repoWith('oci:./out/app');
    const head = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'merge of the pull request');
    const merge = git(dir, 'rev-parse', 'HEAD');
    const env = {
      ...(await actionsEnv(dir, 'pull_request', 'refs/pull/5/merge', merge, prPayload(head))),
      DOCKER_METADATA_PR_HEAD_SHA: 'true',
    };

    // actions/checkout's default: the merge commit is built, so it stays the revision.
    const atMerge = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir, env });
    expectExit(atMerge, 0);
    const p1 = JSON.parse(atMerge.stdout) as PlanJson;
    expect(p1.images[0]!.tagNames).toEqual(['pr-5', `sha-${head.slice(0, 7)}`]);
    expect(p1.revision).toBe(merge);
    expect(p1.images[0]!.annotations['org.opencontainers.image.revision']).toBe(merge);

    // A checkout of the head (actions/checkout with ref: the head's SHA) builds the head: it is the revision.
    git(dir, 'checkout', '-q', '--detach', head);
    const atHead = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir, env });
    expectExit(atHead, 0);
    const p2 = JSON.parse(atHead.stdout) as PlanJson;
    expect(p2.images[0]!.tagNames).toEqual(['pr-5', `sha-${head.slice(0, 7)}`]);
    expect(p2.revision).toBe(head);

    // Without the setting, metadata-action and gantry name the merge commit.
    const { DOCKER_METADATA_PR_HEAD_SHA: _, ...plain } = env;
    const off = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir, env: plain });
    expectExit(off, 0);
    expect((JSON.parse(off.stdout) as PlanJson).images[0]!.tagNames).toEqual(['pr-5', `sha-${merge.slice(0, 7)}`]);
  });

  it('DOCKER_METADATA_SHORT_SHA_LENGTH is honoured in a local run; a setting gantry cannot honour exits 2 naming it', async () => {
    const dir = await repoWith('oci:./out/app');
    const sha = git(dir, 'rev-parse', 'HEAD');
    const r = await gantry(['plan', '--json', '--no-registry-check'], { cwd: dir, env: { DOCKER_METADATA_SHORT_SHA_LENGTH: '12' } });
    expectExit(r, 0);
    expect((JSON.parse(r.stdout) as PlanJson).images[0]!.tagNames).toContain(`sha-${sha.slice(0, 12)}`);

    const bad = await gantry(['plan', '--no-registry-check'], {
      cwd: dir,
      env: { DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index-descriptor' },
    });
    expectExit(bad, 2);
    expect(bad.stderr.trim()).toBe(
      'gantry: error: DOCKER_METADATA_ANNOTATIONS_LEVELS="index-descriptor": gantry writes the OCI annotations on every platform manifest and on the index, always (as manifest,index would): set it to manifest,index or unset it',
    );
    expect(bad.stdout).toBe('');
  });
});
