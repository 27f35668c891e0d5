// A release's results for people (terminal text), for GitHub (step outputs, step summary
// Markdown), shared by the CLI and the Action.
import { cell } from '../github/step-output.js';
import type { DigestRecord } from '../plan/digest-record.js';
import { planMatrix, type Plan } from '../plan/release.js';
import type { VerifyReport } from '../publish/image-policy.js';
import { RELEASED_VERSION_GATE, type PublishResult } from './publish-release.js';

/** Formats rows as a left-aligned text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Formats a byte count for people: 1.5 MB, 230 kB (SI units, as docker prints them). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = Math.round(n);
  let u = 0;
  while (u < units.length - 1 && v >= 1000) {
    v /= 1000;
    u++;
  }
  if (u === 0) return `${v} B`;
  let text = v.toFixed(v >= 99.95 ? 0 : 1);
  // 999.5 kB rounds to "1000": show it as the next unit instead.
  if (text === '1000' && u < units.length - 1) {
    u++;
    text = '1.0';
  }
  return `${text} ${units[u]}`;
}

/** The plan for people: one block per image. */
export function formatPlan(plan: Plan): string {
  const out = [
    `version ${plan.version ?? '(none)'}${plan.prerelease ? ' (pre-release)' : ''}, revision ${plan.revision.slice(0, 12)}, created ${plan.created}`,
  ];
  for (const i of plan.images) {
    out.push('', `${i.name}${i.push ? '' : '  (not pushed)'}`);
    out.push(
      table([
        ['  repositories', i.repositories.map((r) => (i.optionalRepositories.includes(r) ? `${r} (optional)` : r)).join(', ')],
        ['  tags', i.tagNames.join(', ')],
        [
          '  platforms',
          i.builds
            .map((b) => `${b.platform} on ${b.runner}${b.dockerfile && b.dockerfile !== 'Dockerfile' ? ` (${b.dockerfile})` : ''}`)
            .join(', '),
        ],
      ]),
    );
    for (const d of i.decisions) out.push(`  - ${d}`);
  }
  return out.join('\n');
}

/** Step outputs of a plan. */
export function planOutputs(plan: Plan): Record<string, string> {
  return {
    version: plan.version ?? '',
    prerelease: String(plan.prerelease),
    tags: plan.images.flatMap((i) => i.tags).join('\n'),
    matrix: JSON.stringify({ include: planMatrix(plan) }),
    json: JSON.stringify(plan),
  };
}

/** The step summary of a plan. */
export function planSummary(plan: Plan): string {
  const rows = plan.images.map(
    (i) => `| ${cell(i.name)} | ${cell(i.tagNames.join(', '))} | ${cell(i.platforms.join(', '))} | ${cell(i.repositories.join(', '))} |`,
  );
  return [
    `### gantry plan: ${plan.version ?? plan.images[0]?.tagNames[0] ?? ''}`,
    '',
    '| image | tags | platforms | repositories |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The records of a build for people: one row per platform. */
export function formatRecords(records: readonly DigestRecord[], recordDir: string): string {
  const rows = records.map((r) => [
    r.image,
    r.platform,
    r.digest,
    formatBytes(r.compressedSize ?? 0),
    r.backend ?? '',
    `${(r.timings?.seconds ?? 0).toFixed(1)} s`,
    r.repository,
  ]);
  const head = `built ${records.length} platform${records.length === 1 ? '' : 's'} at ${records[0]?.revision.slice(0, 12) ?? ''}${records[0]?.version ? ` (version ${records[0].version})` : ''}, pushed by digest; records in ${recordDir}`;
  return [head, table([['IMAGE', 'PLATFORM', 'DIGEST', 'SIZE', 'BACKEND', 'TIME', 'PUSHED TO'], ...rows])].join('\n');
}

/** The published release for people: image, repository, tags, digest, platforms, sizes, pull command. */
export function formatPublishResult(r: PublishResult): string {
  const out: string[] = [];
  for (const i of r.images) {
    out.push(`${i.name}  ${i.digest}`);
    out.push(
      table(
        i.platforms.map((p) => [
          `  ${p.platform}`,
          p.digest,
          `${formatBytes(p.compressedSize)} compressed`,
          p.uncompressedSize !== undefined ? `${formatBytes(p.uncompressedSize)} uncompressed` : '',
        ]),
      ),
    );
    for (const g of i.gates) {
      out.push(`  gate ${g.gate}: ${g.passed ? 'passed' : 'REFUSED'}`);
      // The released-version gate names what it is about only when it refused or was overridden.
      if (g.gate === RELEASED_VERSION_GATE || !g.passed) for (const d of g.details) out.push(`    ${d}`);
    }
    for (const a of r.attachments.filter((x) => x.subject.digest === i.digest || i.platforms.some((p) => p.digest === x.subject.digest))) {
      out.push(`  attached ${a.step}: ${a.descriptor.digest}${a.artifactType ? ` (${a.artifactType})` : ''}`);
    }
    for (const repo of i.repositories) {
      if (repo.skipped) {
        out.push(`  ${repo.repository}: skipped (${repo.skipped})`);
        continue;
      }
      const tags = repo.tags.map((t) => (t.how === 'unchanged' ? `${t.tag} (unchanged)` : t.how === 'moved' ? `${t.tag} (moved)` : t.tag));
      out.push(`  ${repo.repository}: ${tags.join(', ')}`);
      const first = repo.tags[0];
      if (first && !repo.repository.startsWith('oci:')) out.push(`    pull: docker pull ${repo.repository}:${first.tag}`);
    }
  }
  for (const c of r.overwritten) out.push(`OVERWRITTEN (--overwrite-release): ${c.repository}:${c.tag} was ${c.has}, now ${c.would}`);
  out.push(
    r.refused !== undefined
      ? 'refused: nothing was pushed or tagged'
      : r.dryRun
        ? 'dry run: nothing was pushed or tagged'
        : r.changed
          ? 'published'
          : 'nothing to do: already published',
  );
  return out.join('\n');
}

/** Step outputs of a publish. */
export function publishOutputs(r: PublishResult): Record<string, string> {
  return {
    digest: r.images[0]?.digest ?? '',
    tags: r.images.flatMap((i) => i.repositories.flatMap((repo) => repo.tags.map((t) => `${repo.repository}:${t.tag}`))).join('\n'),
    refs: r.images
      .flatMap((i) => i.repositories.filter((repo) => !repo.skipped).map((repo) => `${repo.repository}@${i.digest}`))
      .join('\n'),
    json: JSON.stringify(r),
  };
}

/** The step summary of a publish. */
export function publishSummary(r: PublishResult): string {
  const rows = r.images.flatMap((i) =>
    i.repositories.map(
      (repo) =>
        `| ${cell(i.name)} | ${cell(repo.repository)} | ${cell(repo.skipped ? `skipped: ${repo.skipped}` : repo.tags.map((t) => t.tag).join(', '))} | \`${i.digest}\` | ${cell(i.platforms.map((p) => `${p.platform} ${formatBytes(p.compressedSize)}`).join(', '))} |`,
    ),
  );
  const overwritten = r.overwritten.length
    ? [
        '**Overwritten release** (`--overwrite-release`): these version tags now name other content than before.',
        '',
        '| tag | was | now |',
        '|---|---|---|',
        ...r.overwritten.map((c) => `| ${cell(`${c.repository}:${c.tag}`)} | \`${c.has}\` | \`${c.would}\` |`),
        '',
      ]
    : [];
  const refused = r.refused !== undefined ? ['**Refused**: nothing was pushed or tagged.', '', '```', r.refused, '```', ''] : [];
  return [
    `### gantry publish${r.dryRun ? ' (dry run)' : ''}${r.refused !== undefined ? ' (refused)' : ''}`,
    '',
    ...refused,
    ...overwritten,
    '| image | repository | tags | digest | platforms |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** A verification for people: the digest, each check, and the verdict. */
export function formatVerifyReport(ref: string, report: VerifyReport, anonymous: boolean): string {
  return [
    `${ref} → ${report.digest}`,
    ...report.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`),
    report.passed ? `verified${anonymous ? ' (anonymously)' : ''}` : 'refused',
  ].join('\n');
}
