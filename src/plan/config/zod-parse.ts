// Small bridges between gantry's value parsers and zod: a failed parse becomes a zod issue at the
// value's path, so load.ts can point at the exact YAML node.
import { z } from 'zod';
import type { Parsed } from './values.js';

export type Ctx = z.core.$RefinementCtx;

/** Extra facts an issue carries for load.ts: point at the key instead of its value, or at a line inside a multi-line string. */
export interface IssueParams {
  readonly at?: 'key';
  /** 1-based line within the string value (tag rules, flavor lines). */
  readonly line?: number;
}

/** Adds a custom issue at `path`, relative to the schema being refined or transformed. */
export function report(ctx: Ctx, message: string, path: readonly (string | number)[] = [], params?: IssueParams): void {
  ctx.addIssue({ code: 'custom', message, path: [...path], ...(params === undefined ? {} : { params: { ...params } }) });
}

/** A zod transform that runs `parse` and reports its failure at the value. */
export function via<I, T>(parse: (v: I) => Parsed<T>): (v: I, ctx: Ctx) => T {
  return (v, ctx) => {
    const r = parse(v);
    if (r.ok) return r.value;
    report(ctx, r.message);
    return z.NEVER;
  };
}

/** A non-empty string field. */
export function text(description: string): z.ZodString {
  return z.string().min(1, { error: 'must not be empty' }).describe(description);
}

/**
 * A string value that YAML may have read as a number or boolean (`PORT: 8080`, `DEBUG: true`):
 * integers and booleans are turned back into their text; a fraction is refused, because YAML
 * has already changed it (`1.10` reads as 1.1).
 */
export const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((v, ctx) => {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) {
    report(ctx, `quote this value: YAML reads it as the number ${v}, which may differ from what you wrote (1.10 reads as 1.1)`);
    return z.NEVER;
  }
  return String(v);
});

/** A map of names to string values (build args, env, labels, annotations). */
export function stringMap(description: string, keyRule?: { readonly test: (k: string) => boolean; readonly expected: string }) {
  return z
    .record(z.string(), scalarText)
    .superRefine((m, ctx) => {
      for (const k of Object.keys(m)) {
        if (k === '' || (keyRule !== undefined && !keyRule.test(k))) {
          report(ctx, `invalid name ${JSON.stringify(k)}: expected ${keyRule?.expected ?? 'a non-empty name'}`, [k], { at: 'key' });
        }
      }
    })
    .describe(description);
}

/** Index of the first earlier element equal to `items[i]`, for "duplicate of …" messages. */
export function firstIndexOf<T>(items: readonly T[], i: number): number {
  return items.indexOf(items[i] as T);
}
