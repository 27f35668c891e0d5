// The release library: what the CLI and the GitHub Action call. Explicit re-exports only.
export { attachSubject, runAttachSteps, type Attachment, type AttachContext, type AttachStep, type AttachSubject } from './attach.js';
export { buildPlatforms, runBuilds, type BuildPlatformsOptions, type BuildRun, type RunBuildsOptions } from './build-platforms.js';
export { Connection, hostsOf, withConnection, type ConnectionOptions, type Env } from './connection.js';
export { errorKind, ReleaseError, type ErrorKind, type ReleaseErrorCode } from './errors.js';
export {
  anonymousEnv,
  copyImages,
  destinationTag,
  inspect,
  listTags,
  parseLabelRequirements,
  parsePlatformList,
  verifyImage,
  type CopyImagesOptions,
  type VerifyImageOptions,
} from './images.js';
export { makeReleaseWorkflow, writeReleaseWorkflow, type ReleaseWorkflow, type WorkflowOptions } from './init-workflow.js';
export { loadConfig, loadContext, pickReleaseTag } from './inputs.js';
export { locationReference, parseLocation, type Location } from './location.js';
export { planBuild, planRelease, type Release, type ReleaseOptions } from './plan-release.js';
export {
  publishImages,
  publishRelease,
  PublishRefused,
  RELEASED_VERSION_GATE,
  type PublishImagesOptions,
  type PublishReleaseOptions,
  type PublishResult,
  type RecordsSource,
} from './publish-release.js';
export { makeRecord, readRecord, readRecords, recordFiles, writeRecord } from './record-files.js';
export {
  formatBytes,
  formatPlan,
  formatPublishResult,
  formatRecords,
  formatVerifyReport,
  planOutputs,
  planSummary,
  publishOutputs,
  publishSummary,
  table,
} from './report.js';
// What callers of the library need from the layers below, passed through here so that the CLI and
// the Action depend on the library alone.
export { configJsonSchema } from '../plan/config/index.js';
export { ConfigError, formatConfigIssue, type ConfigIssue } from '../plan/config/errors.js';
export type { GantryConfig } from '../plan/config/index.js';
export { DIGEST_RECORD_SCHEMA, digestRecordSchema, parseDigestRecord, recordFileName, type DigestRecord } from '../plan/digest-record.js';
export { planMatrix, type ImagePlan, type MatrixEntry, type Plan } from '../plan/release.js';
export type { LatestMode } from '../plan/tags/index.js';
export { GateRefused, type Gate, type GateResult, type PlatformFacts } from '../publish/gates.js';
export { TagsNotMoved, type ImageResult, type RepositoryResult, type TagChange, type VersionTagConflict } from '../publish/move-tags.js';
export type { RepositoryState, TagState } from '../publish/rollback-tags.js';
export type { CopyEvent, CopyEventListener } from '../publish/copy-events.js';
export type { CopyResult } from '../publish/copy.js';
export type { ImageSummary } from '../publish/inspect.js';
export type { VerifyCheck, VerifyReport } from '../publish/image-policy.js';
export { cell, writeGitHubOutputs, writeStepSummary } from '../github/step-output.js';
export { RECORDS_ARTIFACT_PREFIX, WORKFLOW_FILE } from '../github/workflow.js';
export { GantryError } from '../oci/errors.js';
export { formatPlatform, parsePlatform } from '../oci/platform.js';
export type { Platform } from '../oci/descriptor.js';
