// The DOCKER_METADATA_* variables docker/metadata-action reads
// (https://github.com/docker/metadata-action#environment-variables): a workflow moved to gantry may
// still set them. Each one is honoured as metadata-action honours it, or refused with what to do
// instead; none is silently ignored (a setting that changed the tags and no longer does would give
// another image the same tags without a word).
import { PlanError } from '../plan/errors.js';

/** What gantry takes from the DOCKER_METADATA_* variables. */
export interface MetadataSettings {
  /** `DOCKER_METADATA_PR_HEAD_SHA=true`: on a pull request, `type=sha` and `{{sha}}` name its head commit. */
  readonly prHeadSha: boolean;
  /** `DOCKER_METADATA_SHORT_SHA_LENGTH`: the short SHA's length (metadata-action's default is 7). */
  readonly shortShaLength?: number;
}

const PREFIX = 'DOCKER_METADATA_';
/** Variables metadata-action sets for later steps (DOCKER_METADATA_OUTPUT_TAGS…): outputs, not settings. */
const OUTPUTS = /^DOCKER_METADATA_OUTPUT_/;
const KNOWN = [
  'DOCKER_METADATA_PR_HEAD_SHA',
  'DOCKER_METADATA_SHORT_SHA_LENGTH',
  'DOCKER_METADATA_ANNOTATIONS_LEVELS',
  'DOCKER_METADATA_SET_OUTPUT_ENV',
];
/** Where gantry writes the OCI annotations: on every platform manifest and on the index, always. */
const GANTRY_LEVELS = ['index', 'manifest'];

function refuse(name: string, value: string, why: string): never {
  throw new PlanError('CONTEXT_INVALID', `${name}=${JSON.stringify(value)}: ${why}`, { userError: true });
}

function bool(name: string, value: string, meaning: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  return refuse(name, value, `expected true or false (true: ${meaning}, as in metadata-action)`);
}

/**
 * Reads the DOCKER_METADATA_* variables of `env` (an empty one counts as unset, as in
 * metadata-action), refusing those gantry cannot honour.
 */
export function readMetadataSettings(env: Readonly<Record<string, string | undefined>>): MetadataSettings {
  let prHeadSha = false;
  let shortShaLength: number | undefined;
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(PREFIX) || OUTPUTS.test(name) || value === undefined || value === '') continue;
    switch (name) {
      case 'DOCKER_METADATA_PR_HEAD_SHA':
        prHeadSha = bool(name, value, "a pull request's type=sha and {{sha}} name its head commit, not the merge commit");
        break;
      case 'DOCKER_METADATA_SHORT_SHA_LENGTH':
        if (!/^\d+$/.test(value) || Number(value) < 1)
          refuse(name, value, 'expected a whole number of hex digits, at least 1 (7 by default)');
        shortShaLength = Number(value);
        break;
      case 'DOCKER_METADATA_ANNOTATIONS_LEVELS': {
        const levels = [...new Set(value.split(',').map((l) => l.trim().toLowerCase()))].filter(Boolean).sort();
        if (levels.join(',') !== GANTRY_LEVELS.join(',')) {
          refuse(
            name,
            value,
            'gantry writes the OCI annotations on every platform manifest and on the index, always (as manifest,index would): set it to manifest,index or unset it',
          );
        }
        break;
      }
      case 'DOCKER_METADATA_SET_OUTPUT_ENV':
        if (bool(name, value, 'export every output as a DOCKER_METADATA_OUTPUT_* variable')) {
          refuse(
            name,
            value,
            'gantry sets no DOCKER_METADATA_OUTPUT_* variables; read its step outputs instead (steps.<id>.outputs.tags, …, docs/action.md), and unset it or set it to false',
          );
        }
        break;
      default:
        refuse(name, value, `metadata-action reads no such variable, and gantry does not know it (it knows ${KNOWN.join(', ')}); unset it`);
    }
  }
  return { prHeadSha, ...(shortShaLength === undefined ? {} : { shortShaLength }) };
}
