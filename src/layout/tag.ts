import { OciError } from '../oci/errors.js';

// `org.opencontainers.image.ref.name` grammar (image-spec annotations.md#pre-defined-annotation-keys):
//   ref       ::= component ("/" component)*
//   component ::= alphanum (separator alphanum)*
//   alphanum  ::= [A-Za-z0-9]+
//   separator ::= [-._:@+] | "--"
// containers/image (skopeo) rejects `oci:<dir>:<ref>` names outside this grammar.
const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

// Docker/distribution tag grammar (distribution-spec spec.md#pulling-manifests).
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** True when `s` is a valid `org.opencontainers.image.ref.name` value (any layout may hold these). */
export function isRefName(s: string): boolean {
  return REF_NAME_RE.test(s);
}

/**
 * Checks a tag gantry is about to write into a layout: it must be a registry tag (so the same
 * tag works on a registry) and a valid ref.name (so skopeo, umoci and oras can read it back).
 * `where` prefixes the message (the location the tag is for).
 */
export function assertLayoutTag(tag: string, where = ''): void {
  if (!TAG_RE.test(tag) || !isRefName(tag)) {
    throw new OciError(
      'REFERENCE_INVALID',
      `${where}invalid tag ${JSON.stringify(tag)} for an OCI image layout: use 1 to 128 characters from ` +
        '[A-Za-z0-9._-], starting and ending with a letter or digit, without repeated separators ' +
        '(only "--" may repeat)',
      { userError: true },
    );
  }
}

/** Checks a reference used to look up a layout entry: any valid ref.name (skopeo may write `a/b:c`). */
export function assertRefName(ref: string): void {
  if (!isRefName(ref)) {
    throw new OciError(
      'REFERENCE_INVALID',
      `invalid reference ${JSON.stringify(ref)}: expected a digest (sha256:<hex>) or a tag such as "v1.2" or "latest"`,
      { userError: true },
    );
  }
}
