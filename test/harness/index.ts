/**
 * The integration-test harness in one import: real registries (none/htpasswd/token auth),
 * the token server, the fault-injecting proxy and second origin, OCI layout fixtures, skopeo.
 */
export * from './registry.js';
export * from './token-server.js';
export * from './fault-proxy.js';
export * from './fixtures.js';
export { freePort, waitForHttp, LOOPBACK } from './net.js';
export { spawnManaged, type ManagedChild, type ChildExit } from './children.js';
