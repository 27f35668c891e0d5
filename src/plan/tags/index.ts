// Tag planning: metadata-action's rule syntax, gantry's defaults, registry-aware floating tags.
export { DEFAULT_TAG_RULES, DEFAULT_TAG_RULES_TEXT } from './default-rules.js';
export { TagError, type TagErrorCode } from './errors.js';
export { planTags, type LatestMode, type PlanTagsInput, type TagPlan } from './evaluate.js';
export { DEFAULT_FLAVOR, parseFlavor, type Flavor } from './flavor.js';
export { floatRange, judgeFloating, readRegistryVersions, type Affix, type FloatJudgement, type FloatRange } from './floating.js';
export {
  DEFAULT_PRIORITIES,
  parseTagRules,
  type EdgeRule,
  type Enable,
  type ParseTagOptions,
  type RawRule,
  type RefRule,
  type SemverRule,
  type ShaRule,
  type TagRule,
  type TagRuleType,
} from './rules.js';
export { templateText, type Placeholder, type Template } from './template.js';
