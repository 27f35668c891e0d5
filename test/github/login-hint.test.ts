// What a workflow author is told when a registry refuses a gantry step: the login step and secret of
// that registry's kind, as the generated workflow names them (the same secret names, one source).
import { describe, expect, it } from 'vitest';
import { failureOf } from '../../action/annotations.js';
import { workflowLoginHint } from '../../src/github/login-hint.js';
import { RegistryError, TransportError } from '../../src/registry/errors.js';
import { ReleaseError } from '../../src/release/errors.js';

describe('workflowLoginHint', () => {
  it.each([
    ['ghcr.io', /github-token input .* permissions: packages: write/],
    ['registry-1.docker.io', /secrets DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', /aws-actions\/amazon-ecr-login .* secret AWS_ROLE_ARN .* id-token: write/],
    ['public.ecr.aws', /aws-actions\/configure-aws-credentials/],
    ['us-docker.pkg.dev', /google-github-actions\/auth .* GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT/],
    ['quay.io', /docker\/login-action step before this one, with the secrets QUAY_IO_USERNAME and QUAY_IO_PASSWORD/],
    ['acme.azurecr.io', /secrets ACME_AZURECR_IO_USERNAME and ACME_AZURECR_IO_PASSWORD/],
  ])('%s', (host, want) => {
    expect(workflowLoginHint(host)).toMatch(want);
  });
});

describe("failureOf: a registry's refusal, for a workflow's author", () => {
  it('a 401 of quay.io, wrapped by the release library: the login step and its secrets instead of docker login', () => {
    const refused = new RegistryError(
      'HEAD',
      'https://quay.io/v2/acme/api/blobs/sha256:00',
      401,
      [],
      'quay.io refused the credentials: check them with `docker login quay.io`, or pass --username and --password-stdin',
      true,
    );
    const wrapped = new ReleaseError('REGISTRY_CHECK_FAILED', `cannot read the tags of quay.io/acme/api: ${refused.message}`, {
      cause: refused,
      userError: true,
    });
    const message = failureOf('plan', wrapped)!.message;
    expect(message).not.toContain('--password-stdin');
    expect(message).not.toContain('docker login');
    expect(message).toContain('quay.io refused the credentials\n  quay.io is logged in to by a docker/login-action step before this one');
  });

  it("a token service's refusal (REGISTRY_AUTH) of ECR names the AWS steps", () => {
    const e = new TransportError(
      'REGISTRY_AUTH',
      'the token service of 123456789012.dkr.ecr.eu-west-1.amazonaws.com refused the credentials for it (HTTP 401): check them with `docker login 123456789012.dkr.ecr.eu-west-1.amazonaws.com`, or pass --username and --password-stdin',
      { userError: true },
    );
    const message = failureOf('publish', e)!.message;
    expect(message).toBe(
      "gantry publish failed (usage or input error): the token service of 123456789012.dkr.ecr.eu-west-1.amazonaws.com refused the credentials for it (HTTP 401)\n  123456789012.dkr.ecr.eu-west-1.amazonaws.com is logged in to by the aws-actions/configure-aws-credentials and aws-actions/amazon-ecr-login steps before this one: check the secret AWS_ROLE_ARN (a role that trusts GitHub's OIDC provider and may push to this repository) and that the job has permissions: id-token: write",
    );
  });

  it('other errors keep their message', () => {
    const e = new RegistryError('GET', 'https://quay.io/v2/a/manifests/x', 404, [{ code: 'MANIFEST_UNKNOWN' }]);
    expect(failureOf('publish', e)!.message).toBe(`gantry publish failed: ${e.message}`);
  });
});
