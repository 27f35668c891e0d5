import { ReleaseError } from './errors.js';
import { isDigest } from '../oci/digest.js';
import { parseReference, referenceString, type Reference } from '../oci/reference.js';

/** Where an image lives, as the user wrote it: a registry reference or an OCI layout directory. */
export type Location =
  | { readonly kind: 'registry'; readonly ref: Reference; readonly explicitRef: boolean; readonly text: string }
  | { readonly kind: 'layout'; readonly path: string; readonly ref?: string; readonly text: string };

/**
 * Parses `oci:PATH[:TAG|@DIGEST]` (skopeo's spelling) or a docker reference
 * (`[docker://]REGISTRY/REPO[:TAG][@DIGEST]`).
 */
export function parseLocation(text: string): Location {
  if (text.startsWith('oci:')) {
    const rest = text.slice(4);
    if (!rest)
      throw new ReleaseError('LOCATION_INVALID', `invalid location "${text}": oci: needs a directory, e.g. oci:./image:v1`, {
        userError: true,
      });
    const at = rest.lastIndexOf('@');
    if (at > 0 && isDigest(rest.slice(at + 1))) return { kind: 'layout', path: rest.slice(0, at), ref: rest.slice(at + 1), text };
    // Like skopeo, the directory ends at the first ':' (a path with ':' cannot carry a tag).
    const colon = rest.indexOf(':');
    if (colon < 0) return { kind: 'layout', path: rest, text };
    const ref = rest.slice(colon + 1);
    if (!ref) throw new ReleaseError('LOCATION_INVALID', `invalid location "${text}": empty tag after ':'`, { userError: true });
    return { kind: 'layout', path: rest.slice(0, colon), ref, text };
  }
  const bare = text.startsWith('docker://') ? text.slice(9) : text;
  const ref = parseReference(bare);
  return { kind: 'registry', ref, explicitRef: ref.tag !== undefined || ref.digest !== undefined, text };
}

/** The tag or digest to read at a location (`latest` when a registry reference names none). */
export function locationReference(l: Location): string | undefined {
  return l.kind === 'registry' ? referenceString(l.ref) : l.ref;
}
