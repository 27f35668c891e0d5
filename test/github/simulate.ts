// A local runner for the generated release workflow: it walks the jobs in order, evaluates the
// `${{ … }}` expressions the workflow uses, and runs each step the way GitHub's runner would — the
// gantry Action through its own code (action/run.ts: inputs → DOCKER_CONFIG → argv) with gantry from
// source, checkout as a git clone at the step's `ref:` (else the run's GITHUB_REF), docker/login-action
// as `docker login` leaves it (an auths entry in the runner's docker config), upload/download-artifact
// as directory copies. It
// refuses any step or expression it does not know, so the workflow cannot grow steps this
// simulation silently skips.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runAction, type ActionCore } from '../../action/run.js';
import { GANTRY_ACTION_PLACEHOLDER } from '../../src/github/workflow.js';
import { tempDir } from '../support/images.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Step outputs from a GITHUB_OUTPUT file (the heredoc form gantry and @actions/core write). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([^\n<=]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/** The contexts an expression can read. */
export interface ExpressionContext {
  readonly [name: string]: unknown;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

function lookup(path: string, ctx: ExpressionContext): unknown {
  if (!PATH.test(path)) throw new Error(`simulation: unsupported expression ${JSON.stringify(path)}`);
  let v: unknown = ctx;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** One expression: `a || b` (the first truthy one), a context path, `fromJSON(path)`, or a quoted string. */
function evaluateExpression(expr: string, ctx: ExpressionContext): unknown {
  const e = expr.trim();
  if (e.includes('||')) {
    const options = e.split('||').map((x) => evaluateExpression(x, ctx));
    return options.find((v) => v !== undefined && v !== null && v !== '' && v !== false) ?? options.at(-1);
  }
  const from = /^fromJSON\((.+)\)$/.exec(e);
  if (from) return JSON.parse(String(evaluateExpression(from[1]!, ctx)));
  if (/^'[^']*'$/.test(e)) return e.slice(1, -1);
  return lookup(e, ctx);
}

/** An expression's value inside text: missing is ''; an object there is a bug in the workflow (its text would not be its value). */
function asText(v: unknown, expr: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`simulation: \${{${expr}}} is an object inside text`);
}

/** A workflow value: `${{ x }}` alone keeps x's type; text with expressions in it is a string (missing values are ''). */
export function evaluate(value: unknown, ctx: ExpressionContext): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\$\{\{(.*?)\}\}$/.exec(value);
  if (whole) return evaluateExpression(whole[1]!, ctx) ?? '';
  return value.replace(/\$\{\{(.*?)\}\}/g, (_m, e: string) => asText(evaluateExpression(e, ctx), e));
}

interface Step {
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}
interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly strategy?: { matrix: unknown };
  readonly outputs?: Record<string, string>;
  readonly steps: Step[];
}

/** What one step did, for the test's assertions. */
export interface StepRecord {
  readonly job: string;
  readonly matrix?: Record<string, string>;
  readonly uses?: string;
  readonly inputs?: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly log: string;
  /** The job's step summary after this step (GITHUB_STEP_SUMMARY). */
  readonly summary?: string;
  readonly failed?: string;
}

export interface SimulationOptions {
  /** The repository the workflow runs for (checkout copies it). */
  readonly repository: string;
  /** The GitHub Actions environment of the run (GITHUB_EVENT_NAME, GITHUB_REF, …). */
  readonly githubEnv: Record<string, string>;
  readonly secrets?: Record<string, string>;
  /** Other environment (PATH, DOCKER_CONFIG, …). */
  readonly env?: Record<string, string>;
  /** The dispatch's inputs (the `inputs` context). */
  readonly inputs?: Record<string, string>;
  /** The gantry Action's reference in the workflow (default: the placeholder `gantry init github` writes without --action). */
  readonly action?: string;
}

export interface SimulationResult {
  readonly steps: StepRecord[];
  readonly jobs: Record<string, { result: 'success' | 'failure' | 'skipped'; outputs: Record<string, string> }>;
  /** Artifact name → its directory. */
  readonly artifacts: Map<string, string>;
}

/** Reads action.yml's input defaults (the runner fills in what a step's `with:` leaves out). */
async function actionDefaults(): Promise<Record<string, string>> {
  const yml = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
  return Object.fromEntries(Object.entries(yml.inputs).map(([k, v]) => [k, v.default ?? '']));
}

/** Runs the workflow's jobs in dependency order, matrix legs concurrently. */
export async function simulateWorkflow(workflowText: string, o: SimulationOptions): Promise<SimulationResult> {
  const wf = parse(workflowText) as { jobs: Record<string, Job> };
  const defaults = await actionDefaults();
  const artifactsRoot = await tempDir('gantry-artifacts-');
  const artifacts = new Map<string, string>();
  const steps: StepRecord[] = [];
  const jobs: SimulationResult['jobs'] = {};
  const ref = o.githubEnv.GITHUB_REF;
  const github = {
    ref,
    ref_name: ref?.replace(/^refs\/(heads|tags)\//, ''),
    token: 'ghs_simulated_token',
    actor: o.githubEnv.GITHUB_ACTOR,
  };
  const action = o.action ?? GANTRY_ACTION_PLACEHOLDER;

  const pending = new Set(Object.keys(wf.jobs));
  while (pending.size > 0) {
    const ready = [...pending].filter((j) => needsOf(wf.jobs[j]!).every((n) => jobs[n] !== undefined));
    if (ready.length === 0) throw new Error(`simulation: jobs ${[...pending].join(', ')} wait for each other`);
    for (const name of ready) {
      pending.delete(name);
      const job = wf.jobs[name]!;
      const needs = Object.fromEntries(needsOf(job).map((n) => [n, { outputs: jobs[n]!.outputs, result: jobs[n]!.result }]));
      if (job.if !== undefined) throw new Error(`simulation: job ${name} has an if: (${job.if}), which this simulation does not evaluate`);
      // GitHub's default: a job runs only when every job it needs succeeded.
      if (Object.values(needs).some((n) => n.result !== 'success')) {
        jobs[name] = { result: 'skipped', outputs: {} };
        continue;
      }
      const base = { github, needs, secrets: o.secrets ?? {}, inputs: o.inputs ?? {} };
      const legs: (Record<string, string> | undefined)[] = job.strategy
        ? ((evaluate(job.strategy.matrix, base) as { include: Record<string, string>[] }).include ?? [])
        : [undefined];
      const results = await Promise.all(legs.map((matrix) => runJob(name, job, { ...base, ...(matrix ? { matrix } : {}) }, matrix)));
      const failed = results.some((r) => r.failed);
      // Outputs of a matrix job: GitHub keeps the last leg's; the workflow reads none from build.
      jobs[name] = { result: failed ? 'failure' : 'success', outputs: results.at(-1)?.outputs ?? {} };
    }
  }
  return { steps, jobs, artifacts };

  async function runJob(
    name: string,
    job: Job,
    ctx: ExpressionContext,
    matrix: Record<string, string> | undefined,
  ): Promise<{ failed: boolean; outputs: Record<string, string> }> {
    const workspace = await tempDir(`gantry-ws-${name}-`);
    const runnerTemp = await tempDir(`gantry-runner-${name}-`);
    const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
    const context = (): ExpressionContext => ({ ...ctx, steps: stepOutputs, runner: { temp: runnerTemp } });
    for (const [i, step] of job.steps.entries()) {
      if (step.if !== undefined)
        throw new Error(`simulation: step ${i} of ${name} has an if: (${step.if}), which this simulation does not evaluate`);
      const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, String(evaluate(v, context()))]));
      const record = (r: Omit<StepRecord, 'job'>): StepRecord => {
        const s = { job: name, ...(matrix ? { matrix } : {}), ...r };
        steps.push(s);
        return s;
      };
      const uses = step.uses ?? '';
      if (uses.startsWith('actions/checkout@')) {
        // The ref the step names, else the run's: a branch or tag name, or a full ref.
        const at = (withs.ref || ref || 'HEAD').replace(/^refs\/(heads|tags)\//, '');
        try {
          execFileSync('git', ['clone', '-q', '--no-checkout', o.repository, workspace], { stdio: 'pipe' });
          execFileSync('git', ['checkout', '-q', '--detach', at], { cwd: workspace, stdio: 'pipe' });
        } catch (e) {
          record({
            uses,
            inputs: withs,
            outputs: {},
            log: '',
            failed: `checkout of ${at}: ${String((e as { stderr?: Buffer }).stderr ?? e)}`,
          });
          return { failed: true, outputs: {} };
        }
        record({ uses, inputs: withs, outputs: {}, log: `checked out ${at} of ${o.repository}` });
      } else if (uses.startsWith('docker/login-action@')) {
        // What `docker login` leaves: an auths entry in the runner's docker config, which the Action reads.
        const dir = o.env?.DOCKER_CONFIG;
        if (dir === undefined) throw new Error('simulation: docker/login-action needs env.DOCKER_CONFIG');
        if (!withs.username || !withs.password) {
          record({ uses, inputs: withs, outputs: {}, log: '', failed: 'Error: Username and password required' });
          return { failed: true, outputs: {} };
        }
        const file = join(dir, 'config.json');
        const config = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { auths?: Record<string, unknown> };
        const auth = Buffer.from(`${withs.username}:${withs.password}`).toString('base64');
        await writeFile(file, JSON.stringify({ ...config, auths: { ...config.auths, [withs.registry!]: { auth } } }));
        record({ uses, inputs: { ...withs, password: '***' }, outputs: {}, log: `Login Succeeded (${withs.registry})` });
      } else if (uses === action) {
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(evaluate(v, context()))]));
        const s = await runGantryAction(
          { ...defaults, ...Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(evaluate(v, context()))])), ...withs },
          workspace,
          runnerTemp,
          env,
        );
        record({ uses, inputs: withs, outputs: s.outputs, log: s.log, summary: s.summary, ...(s.failed ? { failed: s.failed } : {}) });
        if (step.id !== undefined) stepOutputs[step.id] = { outputs: s.outputs };
        if (s.failed) return { failed: true, outputs: {} };
      } else if (uses.startsWith('actions/upload-artifact@')) {
        const artifact = withs.name!;
        const from = withs.path!;
        const files = await readdir(from).catch(() => []);
        if (files.length === 0 && withs['if-no-files-found'] === 'error') {
          record({ uses, inputs: withs, outputs: {}, log: '', failed: `no files at ${from}` });
          return { failed: true, outputs: {} };
        }
        if (artifacts.has(artifact) && withs.overwrite !== 'true') throw new Error(`simulation: artifact ${artifact} uploaded twice`);
        const dir = join(artifactsRoot, artifact);
        await cp(from, dir, { recursive: true });
        artifacts.set(artifact, dir);
        record({ uses, inputs: withs, outputs: {}, log: `uploaded ${files.join(', ')} as ${artifact}` });
      } else if (uses.startsWith('actions/download-artifact@')) {
        const pattern = new RegExp(`^${withs.pattern!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        if (withs['merge-multiple'] !== 'true') throw new Error('simulation: download-artifact without merge-multiple is not simulated');
        await mkdir(withs.path!, { recursive: true });
        const names = [...artifacts.keys()].filter((a) => pattern.test(a)).sort();
        // merge-multiple: every artifact's files into one directory.
        for (const a of names) await cp(artifacts.get(a)!, withs.path!, { recursive: true });
        record({ uses, inputs: withs, outputs: {}, log: `merged ${names.join(', ')}` });
      } else if (/^docker\/setup-(buildx|qemu)-action@/.test(uses)) {
        record({ uses, inputs: withs, outputs: {}, log: 'skipped: no Docker here (the layers builder needs none)' });
      } else if (step.run !== undefined && /^echo "[^"$`]*"$/.test(step.run)) {
        record({ inputs: {}, outputs: {}, log: step.run.slice(6, -1) });
      } else {
        throw new Error(`simulation: step ${JSON.stringify(step)} of job ${name} is not simulated`);
      }
    }
    const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, String(evaluate(v, context()))]));
    return { failed: false, outputs };
  }

  /** The gantry Action, run by its own code with gantry from source. */
  async function runGantryAction(inputs: Record<string, string>, workspace: string, runnerTemp: string, stepEnv: Record<string, string>) {
    const outputFile = join(runnerTemp, `output-${Math.random().toString(16).slice(2)}`);
    await writeFile(outputFile, '');
    const outputs: Record<string, string> = {};
    let log = '';
    let failed: string | undefined;
    const core: ActionCore = {
      getInput: (name) => (inputs[name] ?? '').trim(),
      setOutput: (k, v) => void (outputs[k] = String(v)),
      setSecret: () => undefined,
      setFailed: (m) => void (failed = String(m)),
      startGroup: (n) => void (log += `::group::${n}\n`),
      endGroup: () => void (log += '::endgroup::\n'),
      info: (m) => void (log += `${m}\n`),
      warning: (m) => void (log += `warning: ${String(m)}\n`),
      error: (m) => void (log += `error: ${String(m)}\n`),
    };
    await runAction({
      core,
      env: {
        ...o.env,
        ...o.githubEnv,
        ...stepEnv,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: join(runnerTemp, 'summary.md'),
        RUNNER_TEMP: runnerTemp,
      },
      cwd: workspace,
      tmpDir: runnerTemp,
    });
    const all = { ...parseOutputs(await readFile(outputFile, 'utf8')), ...outputs };
    const summary = await readFile(join(runnerTemp, 'summary.md'), 'utf8').catch(() => '');
    return { outputs: all, log, failed, summary };
  }
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}
