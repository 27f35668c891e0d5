export { parseConfig, type ParseConfigOptions, type TagRuleProblem } from './load.js';
export { defaultConfig, type DefaultConfigInput } from './default-config.js';
export { configJsonSchema } from './json-schema.js';
export { ConfigError, formatConfigIssue, type ConfigErrorCode, type ConfigIssue } from './errors.js';
export { configSchema, configInputSchema, DEFAULT_PLATFORMS } from './schema.js';
export type * from './types.js';
