#!/usr/bin/env node
/**
 * The closing line of CI, 'N passed, N failed', from Vitest's JSON report and the exit status of
 * `npm test`:
 *
 *   node .ci/summarize.mjs build/test-results.json <exit status of npm test> \
 *                          build/browser-test-results.json <exit status of npm run test:browser>
 *
 * Plain JavaScript with no imports beyond Node's, so that it runs before anything is built. It exits
 * 1 when it counts a failure, 0 otherwise.
 *
 * Vitest 4's JSON report undercounts failures (test/ci-summary.test.ts records what it writes):
 * - a worker killed mid-file (the OOM killer, a crash) leaves that file 'passed' with every test of
 *   it 'pending', and `numFailedTests` 0;
 * - an afterAll / beforeAll that throws, or a file that fails to load, marks the file 'failed' with
 *   no failed test (its tests may all be 'passed');
 * - an unhandled error or rejection appears nowhere in the report (`success` stays true), but makes
 *   Vitest exit 1.
 * So a failure here is: a failed test, a failed file with no failed test, a test still 'pending' once
 * the run is over (skipped and todo tests are 'skipped' / 'todo', not 'pending'), one failure for a
 * missing or unreadable report (a build that failed before any test ran, a run cut short), and one
 * when the exit status is non-zero yet the report shows no failure (an unhandled error). Hence the
 * line agrees with the exit status: non-zero exit => at least 1 failed, and failed > 0 => this script
 * exits non-zero.
 */
import { readFileSync } from 'node:fs';

/**
 * Counts passed and failed tests in a parsed Vitest JSON report (or `undefined` when there is none).
 * @param {{ testResults: { status: string, assertionResults: { status: string }[] }[] } | undefined} report
 * @param {number} exitStatus the exit status of the command that ran the tests
 * @returns {{ passed: number, failed: number }}
 */
function summarize(report, exitStatus) {
  // No report, or one cut off mid-write: the run did not get to its end.
  if (report === undefined || report === null) return { passed: 0, failed: 1 };
  let passed = 0;
  let failed = 0;
  for (const file of report.testResults ?? []) {
    const statuses = (file.assertionResults ?? []).map((test) => test.status);
    passed += statuses.filter((status) => status === 'passed').length;
    // 'pending' at the end of a run: the test never finished (its worker died).
    failed += statuses.filter((status) => status === 'failed' || status === 'pending').length;
    // A hook that threw, or a file that did not load: the file failed with no failed test to show it.
    if (file.status === 'failed' && !statuses.includes('failed')) failed += 1;
  }
  if (exitStatus !== 0 && failed === 0) failed = 1;
  return { passed, failed };
}

/** Reads and parses the report at `path`; `undefined` when it is missing or not JSON (a run cut short). */
function readReport(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

// Pairs of (report, exit status): npm test's, then the browser tests'. The line counts them all.
const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0 || args.some((arg, i) => i % 2 === 1 && !/^\d+$/.test(arg))) {
  console.error('usage: node .ci/summarize.mjs <vitest JSON report> <exit status of its test command> [<report> <status> ...]');
  process.exit(2);
}
let passed = 0;
let failed = 0;
for (let i = 0; i < args.length; i += 2) {
  const counts = summarize(readReport(args[i]), Number(args[i + 1]));
  passed += counts.passed;
  failed += counts.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
