// What a workflow author does when a registry refuses a gantry step's credentials: which step logs
// in to that registry and which secret or permission it reads, as the workflow `gantry init github`
// writes does it (workflow-requirements.ts decides the login per registry; this says it in words).
import { loginOf, registrySecretNames } from './workflow-requirements.js';

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The hint for a workflow whose step was refused by `host` (401, or a token service's refusal) or not allowed (403). */
export function workflowLoginHint(host: string): string {
  if (host === 'ghcr.io') {
    return 'ghcr.io is logged in to with the github-token input (default: the workflow\'s GITHUB_TOKEN): give the job permissions: packages: write (read for plan), and for a package that already exists, this repository access to it (the package\'s settings, "Manage Actions access")';
  }
  if (DOCKER_HUB_HOSTS.has(host)) {
    return 'Docker Hub is logged in to with the dockerhub-username and dockerhub-token inputs: set the repository secrets DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (an access token that may read and write) and pass them to this step, as gantry init github does';
  }
  const login = loginOf(host);
  switch (login?.kind) {
    case 'ecr':
    case 'ecr-public':
      return `${host} is logged in to by the aws-actions/configure-aws-credentials and aws-actions/amazon-ecr-login steps before this one: check the secret AWS_ROLE_ARN (a role that trusts GitHub's OIDC provider and may push to this repository) and that the job has permissions: id-token: write`;
    case 'gar':
      return `${host} is logged in to by the google-github-actions/auth and docker/login-action steps before this one: check the secrets GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT (a service account that may write to this repository) and that the job has permissions: id-token: write`;
    case 'secrets':
      return `${host} is logged in to by a docker/login-action step before this one, with the secrets ${login.username} and ${login.password}: check that both are set and valid (gantry init github writes that step)`;
    case undefined: {
      // A registry on the runner itself: gantry init github writes no login for it.
      const { username, password } = registrySecretNames(host);
      return `log in to ${host} in a step before this one, e.g. docker/login-action with the secrets ${username} and ${password}, or run it without authentication`;
    }
  }
}
