// Bad configurations and what gantry says about each: `LINE:COL PATH: MESSAGE`, one entry a problem.
export interface BadCase {
  readonly name: string;
  readonly yaml: string;
  readonly problems: readonly string[];
}

const img = (extra: string, name = 'api'): string => `images:\n  - name: ${name}\n    repositories: [ghcr.io/acme/${name}]\n${extra}`;

// prettier-ignore
export const BAD_CASES: readonly BadCase[] = [
  { name: 'unknown key, with a suggestion', yaml: img('    platfroms: [linux/amd64]\n'), problems: ['4:5 images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?); allowed keys: name, repositories, platforms, build, tags, flavor, labels, annotations, title, description, vendor, licenses, url, documentation, gates, push'] },
  { name: 'unknown key that belongs one level down', yaml: img('    dockerfile: Dockerfile.api\n'), problems: ['4:5 images[0].dockerfile: unknown key "dockerfile" (it belongs under "build"); allowed keys: name, repositories, platforms, build, tags, flavor, labels, annotations, title, description, vendor, licenses, url, documentation, gates, push'] },
  { name: 'unknown top-level key', yaml: 'imgaes: []\n', problems: [
      '1:1 imgaes: unknown key "imgaes" (did you mean "images"?); allowed keys: version, images, ci',
      '1:1 missing required key "images" (a list of images), e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]',
    ] },
  { name: 'wrong type: a string where a list is expected', yaml: 'images:\n  - name: api\n    repositories: ghcr.io/acme/api\n', problems: ['3:19 images[0].repositories: expected a list, got the string "ghcr.io/acme/api"'] },
  { name: 'wrong type: a list where a mapping is expected', yaml: img('    build: [buildx]\n'), problems: ['4:12 images[0].build: expected a mapping (key: value), got a list'] },
  { name: 'wrong type: number for a repository', yaml: 'images:\n  - name: api\n    repositories: [42]\n', problems: ['3:20 images[0].repositories[0]: expected a string or a mapping (key: value), got the number 42'] },
  { name: 'bad platform', yaml: img('    platforms: [linux/amd64, linux/arm65]\n'), problems: ['4:30 images[0].platforms[1]: invalid platform "linux/arm65": unknown architecture "arm65" (did you mean "arm64"?); expected one of amd64, arm64, arm, 386, ppc64le, s390x, riscv64, loong64, mips64le, mips64, mipsle, mips, ppc64, sparc64, wasm'] },
  { name: 'platform without architecture', yaml: img('    platforms: [linux]\n'), problems: ['4:17 images[0].platforms[0]: invalid platform "linux": expected os/arch[/variant], e.g. "linux/amd64", "linux/arm64" or "linux/arm/v7"'] },
  { name: 'unknown os', yaml: img('    platforms: [linus/amd64]\n'), problems: ['4:17 images[0].platforms[0]: invalid platform "linus/amd64": unknown os "linus" (did you mean "linux"?); expected one of linux, windows, darwin, freebsd, netbsd, openbsd, dragonfly, illumos, solaris, aix, android, ios, plan9, js, wasip1'] },
  { name: 'duplicate platform after normalization', yaml: img('    platforms: [linux/arm64, linux/aarch64]\n'), problems: ['4:30 images[0].platforms[1]: linux/arm64 is listed twice (also at platforms[0], after normalization)'] },
  {
    name: 'per-platform override for a platform not listed',
    yaml: img('    platforms: [linux/amd64]\n    build:\n      platform:\n        linux/arm64: { dockerfile: Dockerfile.worker.arm64 }\n', 'worker'),
    problems: ['7:9 images[0].build.platform["linux/arm64"]: override for platform linux/arm64, which this image does not build (platforms: linux/amd64); add linux/arm64 to platforms or remove the override'],
  },
  { name: 'per-platform override key that is not a platform', yaml: img('    build:\n      platform:\n        arm64: { runner: ubuntu-24.04-arm }\n'), problems: ['6:9 images[0].build.platform.arm64: invalid platform "arm64": expected os/arch[/variant], e.g. "linux/amd64", "linux/arm64" or "linux/arm/v7"'] },
  { name: 'duplicate image names', yaml: 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n  - name: api\n    repositories: [ghcr.io/acme/api2]\n', problems: ['4:11 images[1].name: image name "api" is used twice (also by images[0]); names must be unique'] },
  { name: 'invalid image name', yaml: 'images:\n  - name: API\n    repositories: [ghcr.io/acme/api]\n', problems: ['2:11 images[0].name: invalid image name: expected lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "api"'] },
  // Capitals alone are lowercased (as metadata-action does: valid.test.ts); with another mistake, the lowercased name is reported.
  { name: 'repository with uppercase letters and a tag', yaml: 'images:\n  - name: api\n    repositories: [ghcr.io/Acme/api:v1]\n', problems: ['3:20 images[0].repositories[0]: repository "ghcr.io/acme/api:v1" must not have a tag ("v1"): gantry computes the tags from the tag rules; write "ghcr.io/acme/api"'] },
  { name: 'repository with a tag', yaml: 'images:\n  - name: api\n    repositories:\n      - ghcr.io/acme/api:v1\n', problems: ['4:9 images[0].repositories[0]: repository "ghcr.io/acme/api:v1" must not have a tag ("v1"): gantry computes the tags from the tag rules; write "ghcr.io/acme/api"'] },
  { name: 'repository with a digest', yaml: `images:\n  - name: api\n    repositories: [{ name: "ghcr.io/acme/api@sha256:${'a'.repeat(64)}" }]\n`, problems: ['3:28 images[0].repositories[0].name: repository "ghcr.io/acme/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" must not have a digest: gantry computes the tags from the tag rules; write "ghcr.io/acme/api"'] },
  { name: 'repository listed twice', yaml: 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api, { name: ghcr.io/acme/api, optional: true }]\n', problems: ['3:38 images[0].repositories[1]: ghcr.io/acme/api is listed twice (also at repositories[0])'] },
  { name: 'every repository optional', yaml: 'images:\n  - name: api\n    repositories: [{ name: docker.io/acme/api, optional: true }]\n', problems: ['3:19 images[0].repositories: every repository is optional, so a release could publish nowhere; make at least one required'] },
  { name: 'bad maxSize unit', yaml: img('    gates: { maxSize: 200mb }\n'), problems: ['4:23 images[0].gates.maxSize: invalid size "200mb": unknown unit "mb" (did you mean "MB"?); expected a number of bytes or a number with a unit (B, kB, KB, MB, GB, KiB, MiB, GiB), e.g. "200MB" or "1.5GiB"'] },
  { name: 'maxSize of zero', yaml: img('    gates:\n      maxSize: 0\n'), problems: ['5:16 images[0].gates.maxSize: invalid size "0": must be a whole number of bytes above 0; expected a number of bytes or a number with a unit (B, kB, KB, MB, GB, KiB, MiB, GiB), e.g. "200MB" or "1.5GiB"'] },
  { name: 'sign with both key and keyless', yaml: img('    sign:\n      key: env:COSIGN_PRIVATE_KEY\n      keyless: true\n'), problems: ['4:5 images[0].sign: not available in this version of gantry (issue 15); remove it, or sign with cosign after publishing (cosign sign IMAGE@DIGEST)'] },
  { name: 'sign with neither', yaml: img('    sign: { keyless: false }\n'), problems: ['4:5 images[0].sign: not available in this version of gantry (issue 15); remove it, or sign with cosign after publishing (cosign sign IMAGE@DIGEST)'] },
  { name: 'YAML syntax error', yaml: 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api\n  - name: web\n', problems: ['4:3 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (check the indentation)'] },
  { name: 'YAML: bad indentation', yaml: 'images:\n  - name: api\n     repositories: [ghcr.io/acme/api]\n', problems: ['2:11 invalid YAML: Nested mappings are not allowed in compact mappings (check the indentation of the lines below, and quote values that contain ": ")'] },
  { name: 'duplicate YAML key', yaml: img('    platforms: [linux/amd64]\n    platforms: [linux/arm64]\n'), problems: ['5:5 images[0].platforms: duplicate key "platforms" (first set at line 4, column 5); remove one of them'] },
  { name: 'empty images list', yaml: 'images: []\n', problems: ['1:9 images: list at least one image, e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]'] },
  { name: 'images: with no value', yaml: 'images:\n', problems: ['1:1 images: expected a list, got an empty value'] },
  { name: 'no images key', yaml: 'version: 1\n', problems: ['1:1 missing required key "images" (a list of images), e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]'] },
  { name: 'bad backend name', yaml: img('    build:\n      backend: buildkit\n'), problems: ['5:16 images[0].build.backend: expected one of "buildx", "buildah" or "layers", got the string "buildkit"'] },
  { name: 'layers backend without base', yaml: img('    build:\n      backend: layers\n      copy: [{ from: dist/, to: /app }]\n', 'web'), problems: ['5:7 images[0].build: the layers backend needs a base image: add base: scratch, base: oci:DIR[:TAG] or base: REGISTRY/REPO:TAG (e.g. node:22-alpine)'] },
  { name: 'layers backend with Dockerfile settings', yaml: img('    build: { backend: layers, base: scratch, dockerfile: Dockerfile, platform: { linux/arm64: { dockerfile: D } } }\n'), problems: [
      '4:58 images[0].build.dockerfile: dockerfile is not used by the layers backend, which builds without a Dockerfile; remove it, or use backend: buildx or buildah',
      '4:109 images[0].build.platform["linux/arm64"].dockerfile: dockerfile is not used by the layers backend; a platform override may only set runner',
    ] },
  { name: 'Dockerfile backend with layers settings', yaml: img('    build:\n      backend: buildah\n      base: alpine\n      cache: { type: gha }\n'), problems: [
      '6:13 images[0].build.base: base is only used by backend: layers (this image builds a Dockerfile with buildah); remove it or set backend: layers',
      '7:22 images[0].build.cache.type: a gha cache needs backend: buildx (buildah cannot use the GitHub Actions cache); use type: registry',
    ] },
  { name: 'chart repository not oci://', yaml: img('chart:\n  path: charts/api\n  repository: https://ghcr.io/acme/charts\n'), problems: ['4:1 chart: not available in this version of gantry (issue 18); remove it, or package and push the chart with helm after publishing'] },
  { name: 'chart for an unknown image', yaml: img('chart: { path: charts/api, repository: "oci://ghcr.io/acme/charts", image: apy }\n'), problems: ['4:1 chart: not available in this version of gantry (issue 18); remove it, or package and push the chart with helm after publishing'] },
  {
    name: 'chart without image when there are several',
    yaml: 'images:\n  - { name: api, repositories: [ghcr.io/acme/api] }\n  - { name: web, repositories: [ghcr.io/acme/web] }\nchart: { path: charts/acme, repository: "oci://ghcr.io/acme/charts" }\n',
    problems: ['4:1 chart: not available in this version of gantry (issue 18); remove it, or package and push the chart with helm after publishing'],
  },
  { name: 'missing required key', yaml: 'images:\n  - repositories: [ghcr.io/acme/api]\n', problems: ['2:5 images[0]: missing required key "name" (a string)'] },
  { name: 'the file is a list', yaml: '- name: api\n', problems: ['1:1 expected a mapping (key: value), got a list'] },
  { name: 'wrong schema version', yaml: 'version: 2\n' + img(''), problems: ['1:10 version: expected 1, got the number 2'] },
  { name: 'unknown enum value with a suggestion (a swap of two letters)', yaml: img('    build: { backend: buildha }\n'), problems: ['4:23 images[0].build.backend: expected one of "buildx", "buildah" or "layers", got the string "buildha" (did you mean "buildah"?)'] },
  { name: 'a refused key, with a mistake inside it that is not reported', yaml: img('    gates: { maxSize: 1MB, vulnerabilities: { failOn: critcal } }\n'), problems: ['4:28 images[0].gates.vulnerabilities: not available in this version of gantry (issue 16); remove it, or scan the published digest with Trivy or Grype after publishing'] },
  { name: 'refused keys with other problems, in file order', yaml: img('    attest: { sbom: true }\n    sign: { keyless: true }\n    platforms: [linux/arm65]\n') + 'chart: { path: c, repository: "oci://ghcr.io/a/c" }\n', problems: [
      '4:5 images[0].attest: not available in this version of gantry (issue 14); remove it, or attach an SBOM or provenance with your current tools after publishing (e.g. cosign attest IMAGE@DIGEST)',
      '5:5 images[0].sign: not available in this version of gantry (issue 15); remove it, or sign with cosign after publishing (cosign sign IMAGE@DIGEST)',
      '6:17 images[0].platforms[0]: invalid platform "linux/arm65": unknown architecture "arm65" (did you mean "arm64"?); expected one of amd64, arm64, arm, 386, ppc64le, s390x, riscv64, loong64, mips64le, mips64, mipsle, mips, ppc64, sparc64, wasm',
      '7:1 chart: not available in this version of gantry (issue 18); remove it, or package and push the chart with helm after publishing',
    ] },
  { name: 'bad flavor line', yaml: img('    flavor: |\n      latest=auto\n      prefx=api-\n      latest=sometimes,onlatest=yes\n'), problems: [
      '6:7 images[0].flavor: flavor line "prefx=api-": unknown setting "prefx" (did you mean "prefix"?); expected latest=, prefix= or suffix=',
      '7:7 images[0].flavor: flavor line "latest=sometimes,onlatest=yes": unknown option "onlatest=yes"; expected onlatest=true or onlatest=false',
      '7:7 images[0].flavor: flavor line "latest=sometimes,onlatest=yes": expected latest=auto, latest=true or latest=false',
    ] },
  { name: 'fraction where text is expected', yaml: img('    labels:\n      version: 1.10\n'), problems: ['5:16 images[0].labels.version: quote this value: YAML reads it as the number 1.1, which may differ from what you wrote (1.10 reads as 1.1)'] },
  { name: 'bad copy rules', yaml: img('    build:\n      backend: layers\n      base: scratch\n      copy:\n        - { from: dist, to: /app, mode: 755, owner: root }\n        - { from: ../secrets, to: app }\n'), problems: [
      '8:41 images[0].build.copy[0].mode: write the mode as a quoted octal string such as "0755": YAML reads 755 as a decimal number',
      '8:53 images[0].build.copy[0].owner: invalid owner "root": expected a numeric uid or uid:gid such as "1000:1000" (the layers builder reads no /etc/passwd)',
      '9:19 images[0].build.copy[1].from: invalid path "../secrets": expected a path relative to the build context that stays inside it, e.g. "dist/"',
      '9:35 images[0].build.copy[1].to: invalid path "app": expected an absolute path inside the image, e.g. "/app"',
    ] },
  { name: 'copy rule and workdir leaving the image root with ".."', yaml: img('    build:\n      backend: layers\n      base: scratch\n      workdir: /app/../..\n      copy:\n        - { from: dist, to: /../../etc/x }\n'), problems: [
      '7:16 images[0].build.workdir: invalid path "/app/../..": ".." is not allowed in a path inside the image; write the path it should be, e.g. "/"',
      '9:29 images[0].build.copy[0].to: invalid path "/../../etc/x": ".." is not allowed in a path inside the image; write the path it should be, e.g. "/etc/x"',
    ] },
  { name: 'bad layers settings', yaml: img('    build:\n      backend: layers\n      base: scratch\n      workdir: app\n      exposedPorts: [70000, 80/http]\n      env: { "A=B": x }\n'), problems: [
      '7:16 images[0].build.workdir: invalid path "app": expected an absolute path inside the image, e.g. "/app"',
      '8:22 images[0].build.exposedPorts[0]: invalid port "70000": expected a port from 1 to 65535, optionally with /tcp, /udp or /sctp, e.g. 8080 or "53/udp"',
      '8:29 images[0].build.exposedPorts[1]: invalid port "80/http": expected a port from 1 to 65535, optionally with /tcp, /udp or /sctp, e.g. 8080 or "53/udp"',
      '9:14 images[0].build.env["A=B"]: invalid name "A=B": expected a name without "="',
    ] },
  { name: 'bad layers base', yaml: img('    build: { backend: layers, base: "oci:" }\n'), problems: ['4:37 images[0].build.base: invalid base "oci:": oci: needs a directory, e.g. "oci:./base:v1"'] },
  { name: 'bad file mode and owner', yaml: img('    build:\n      backend: layers\n      base: scratch\n      copy: [{ from: a, to: /a, mode: "9", owner: "1:99999999999" }]\n'), problems: [
      '7:39 images[0].build.copy[0].mode: invalid mode "9": expected an octal mode such as "0755" or "0644"',
      '7:51 images[0].build.copy[0].owner: invalid owner "1:99999999999": ids must be at most 4294967295',
    ] },
  { name: 'layers base with an empty tag', yaml: img('    build: { backend: layers, base: "oci:./base:" }\n'), problems: ['4:37 images[0].build.base: invalid base "oci:./base:": empty tag after ":"; write "oci:./base" or "oci:./base:TAG"'] },
  { name: 'bad cache', yaml: img('    build:\n      cache: { type: registry }\n'), problems: ['5:14 images[0].build.cache: a registry cache needs ref: the image to keep the cache in, e.g. ref: ghcr.io/acme/api:buildcache'] },
  { name: 'bad key source and URL', yaml: img('    url: ftp://example.com\n    sign: { key: "env:1BAD" }\n'), problems: [
      '4:10 images[0].url: invalid URL "ftp://example.com": expected an http(s) URL such as "https://github.com/acme/api"',
      '5:5 images[0].sign: not available in this version of gantry (issue 15); remove it, or sign with cosign after publishing (cosign sign IMAGE@DIGEST)',
    ] },
  { name: 'unresolved alias', yaml: 'images: *defaults\n', problems: ['1:9 invalid YAML: alias *defaults has no anchor &defaults before it'] },
  { name: 'unknown YAML tag', yaml: img('    title: !!binary aGVsbG8=\n    description: !custom hello\n'), problems: ['5:18 invalid YAML: Unresolved tag: !custom'] },
];
