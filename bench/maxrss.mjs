/**
 * Preload for benchmarks: `node --import ./bench/maxrss.mjs dist/cli/main.js …`.
 * At exit, prints one line to stderr with the process's peak resident set size and CPU time:
 *   BENCH_RUSAGE {"maxRSSKiB":123456,"userMs":1234.5,"systemMs":234.5}
 * (process.resourceUsage(): maxRSS is in KiB, CPU times in microseconds.) stderr is a pipe or
 * a file here, and those are written synchronously on Linux, so the line is not lost at exit.
 */
import process from 'node:process';

process.on('exit', () => {
  const u = process.resourceUsage();
  const line = { maxRSSKiB: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 };
  process.stderr.write(`\nBENCH_RUSAGE ${JSON.stringify(line)}\n`);
});
