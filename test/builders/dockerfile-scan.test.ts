import { describe, expect, it } from 'vitest';
import { fromImages, hasRunInstruction, isLoopbackHost, needsInsecurePull, registryHost } from '../../src/builders/dockerfile-scan.js';

const MULTI = `# syntax=docker/dockerfile:1
ARG BASE=127.0.0.1:5000/acme/base:v1
ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO} AS build
RUN go build ./...
FROM build AS test
RUN go test ./...
FROM \${BASE}
COPY --from=build /out /app
FROM scratch AS final
`;

describe('Dockerfile facts', () => {
  it('the images stages start from: ARG defaults expanded, stage names and scratch left out', () => {
    expect(fromImages(MULTI)).toEqual(['golang:1.22', '127.0.0.1:5000/acme/base:v1']);
    expect(
      fromImages(MULTI, [
        ['BASE', 'ghcr.io/acme/base:v2'],
        ['GO', '1.23'],
      ]),
    ).toEqual(['golang:1.23', 'ghcr.io/acme/base:v2']);
    expect(fromImages('from \\\n  alpine:3.20 as a\nfrom a\n')).toEqual(['alpine:3.20']);
    expect(fromImages('ARG B\nFROM ${B:-busybox}\n')).toEqual(['busybox']);
  });

  it('registry hosts and loopback', () => {
    expect(registryHost('golang:1.22')).toBeUndefined();
    expect(registryHost('acme/app')).toBeUndefined();
    expect(registryHost('localhost/app')).toBe('localhost');
    expect(registryHost('127.0.0.1:5000/acme/base:v1')).toBe('127.0.0.1:5000');
    expect(registryHost('ghcr.io/acme/base')).toBe('ghcr.io');
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:41234', '[::1]:5000']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['ghcr.io', '127.0.0.1.nip.io', 'registry:5000']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('plain HTTP pulls only for loopback or --insecure-registry hosts', () => {
    expect(needsInsecurePull(MULTI, [], [])).toBe(true);
    expect(needsInsecurePull(MULTI, [['BASE', 'ghcr.io/acme/base:v2']], [])).toBe(false);
    expect(needsInsecurePull('FROM registry.lan:5000/base\n', [], ['registry.lan:5000'])).toBe(true);
    expect(needsInsecurePull('FROM registry.lan:5000/base\n', [], [])).toBe(false);
  });

  it("RUN instructions (only they execute the platform's binaries)", () => {
    expect(hasRunInstruction(MULTI)).toBe(true);
    expect(hasRunInstruction('FROM base\nCOPY app /app\nCMD ["/app"]\n# RUN not really\n')).toBe(false);
    expect(hasRunInstruction('FROM base\n  run echo hi\n')).toBe(true);
  });
});
