#!/usr/bin/env node
/**
 * The floor for bench/copy: upload blobs from local files to a registry with nothing but plain
 * HTTP, no hashing, no verification: for each blob `POST /v2/<repo>/blobs/uploads/` then
 * `PUT <Location>&digest=…` with the file streamed as the body, `parallel` blobs at once
 * (largest first), over node:http keep-alive connections.
 *
 *   node bench/floor.mjs <registry-url> <repo> <blobs.json> [parallel=4] [source-repo-url]
 *
 * blobs.json: [{ "digest": "sha256:…", "size": 123, "path": "/layout/blobs/sha256/…" }, …]
 * With source-repo-url (`http://host:port/v2/<repo>`), each body is instead the response of
 * `GET <source-repo-url>/blobs/<digest>` piped straight into the PUT: the least a
 * registry-to-registry copy can do (the "copy floor").
 * Prints one JSON line: {"blobs":N,"bytes":N,"seconds":S}. Exits 1 on any unexpected status.
 */
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

const [registryUrl, repo, listFile, parallelArg, sourceRepoUrl] = process.argv.slice(2);
if (!registryUrl || !repo || !listFile) {
  process.stderr.write('usage: node bench/floor.mjs <registry-url> <repo> <blobs.json> [parallel=4]\n');
  process.exit(2);
}
const parallel = Number(parallelArg ?? 4);
/** @type {{digest: string, size: number, path: string}[]} */
const blobs = JSON.parse(await readFile(listFile, 'utf8'));
blobs.sort((a, b) => b.size - a.size);
const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
const sourceAgent = new http.Agent({ keepAlive: true, maxSockets: parallel });

/** @returns {Promise<import('node:http').IncomingMessage>} */
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: sourceAgent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        else resolve(res);
      })
      .on('error', reject);
  });
}

/**
 * @param {string} method
 * @param {URL} url
 * @param {Record<string, string | number>} headers
 * @param {string | import('node:stream').Readable | undefined} body a file name or a stream
 * @returns {Promise<{ status: number, location: string | undefined }>}
 */
function send(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      res.resume(); // drain the (small) body so the socket goes back to the pool
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else pipeline(typeof body === 'string' ? createReadStream(body) : body, req).catch(reject);
  });
}

async function upload(blob) {
  const start = await send('POST', new URL(`/v2/${repo}/blobs/uploads/`, registryUrl), { 'content-length': 0 }, undefined);
  if (start.status !== 202 || !start.location) throw new Error(`POST upload for ${blob.digest}: HTTP ${start.status}`);
  const put = new URL(start.location, registryUrl);
  put.searchParams.set('digest', blob.digest);
  const body = sourceRepoUrl ? await get(`${sourceRepoUrl}/blobs/${blob.digest}`) : blob.path;
  const done = await send('PUT', put, { 'content-length': blob.size, 'content-type': 'application/octet-stream' }, body);
  if (done.status !== 201) throw new Error(`PUT ${blob.digest}: HTTP ${done.status}`);
}

const started = performance.now();
let next = 0;
async function worker() {
  while (next < blobs.length) await upload(blobs[next++]);
}
try {
  await Promise.all(Array.from({ length: Math.min(parallel, blobs.length) }, worker));
} catch (err) {
  process.stderr.write(`floor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const seconds = (performance.now() - started) / 1000;
agent.destroy();
sourceAgent.destroy();
process.stdout.write(`${JSON.stringify({ blobs: blobs.length, bytes: blobs.reduce((n, b) => n + b.size, 0), seconds })}\n`);
