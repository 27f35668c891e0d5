import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/plan/config/index.js';

// The committed JSON Schema editors use. Regenerate after changing the schema:
//   UPDATE_GOLDEN=1 npx vitest run test/plan/config/json-schema.test.ts
const GOLDEN = join(import.meta.dirname, 'fixtures', 'gantry.schema.json');

const render = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

interface JsonSchemaNode {
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly additionalProperties?: JsonSchemaNode | boolean;
}

/** Paths of properties without a description, to keep every field documented. */
function undocumented(node: JsonSchemaNode, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (child.description === undefined) out.push(`${path}.${key}`);
    out.push(...undocumented(child, `${path}.${key}`));
  }
  if (node.items !== undefined) out.push(...undocumented(node.items, `${path}[]`));
  for (const option of node.anyOf ?? []) out.push(...undocumented(option, path));
  if (typeof node.additionalProperties === 'object') out.push(...undocumented(node.additionalProperties, `${path}.*`));
  return out;
}

describe('configJsonSchema', () => {
  it('matches the committed golden file', () => {
    const text = render();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text, 'the JSON Schema changed: rerun with UPDATE_GOLDEN=1 and review the diff').toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is deterministic', () => {
    expect(render()).toBe(render());
  });

  it('is a draft 2020-12 schema of a strict object with the top-level keys', () => {
    const schema = configJsonSchema();
    expect(Object.keys(schema).slice(0, 3)).toEqual(['$schema', 'title', 'description']);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'gantry.yml',
      type: 'object',
      additionalProperties: false,
      patternProperties: { '^x-': expect.any(Object) },
    });
    expect(Object.keys(schema.properties as object)).toEqual(['version', 'images', 'chart', 'ci']);
  });

  it('documents every field', () => {
    expect(undocumented(configJsonSchema() as JsonSchemaNode, '')).toEqual([]);
  });

  it('carries defaults and enums for editors', () => {
    const image = (
      configJsonSchema() as { properties: { images: { items: JsonSchemaNode & { properties: Record<string, Record<string, unknown>> } } } }
    ).properties.images.items;
    expect(image.properties.platforms?.default).toEqual(['linux/amd64', 'linux/arm64']);
    expect(image.properties.name?.pattern).toBe('^[a-z0-9][a-z0-9._-]*$');
    expect((image.properties.build?.properties as Record<string, Record<string, unknown>>).backend).toMatchObject({
      default: 'buildx',
      enum: ['buildx', 'buildah', 'layers'],
    });
  });
});
