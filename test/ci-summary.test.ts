/**
 * CI's closing line 'N passed, N failed' (.ci/summarize.mjs) tells the truth: on reports that Vitest
 * really writes when a worker is killed, a hook throws, a rejection is left unhandled or a file does
 * not load (each fixture in test/fixtures/ci-report/ is run by a real Vitest in a scratch project),
 * and on hand-made reports for what a real run cannot easily produce. The line always agrees with the
 * exit status.
 */
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test/fixtures/ci-report');
const summarizer = join(root, '.ci/summarize.mjs');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

// Inside the repository, so that the fixtures resolve 'vitest' from its node_modules.
mkdirSync(join(root, 'build'), { recursive: true });
const scratch = mkdtempSync(join(root, 'build/ci-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Summary {
  line: string;
  status: number | null;
}

/** Runs the summarizer as .ci/run does, on the report at `reportPath` and a test command's exit status (and more such pairs). */
function summarize(reportPath: string, exitStatus: number, ...more: (string | number)[]): Summary {
  const run = spawnSync(process.execPath, [summarizer, reportPath, String(exitStatus), ...more.map(String)], { encoding: 'utf8' });
  return { line: run.stdout.trim(), status: run.status };
}

interface VitestRun {
  exitStatus: number;
  reportPath: string;
  report: {
    success: boolean;
    numPassedTests: number;
    numFailedTests: number;
    testResults: { status: string; assertionResults: { status: string }[] }[];
  };
}

// The outer Vitest's variables would tell the inner one it runs inside a worker.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'NN_BACKEND'));

/** Runs Vitest on one fixture, alone in a copy of the minimal project; resolves to its exit status and report. */
function runFixture(name: string): Promise<VitestRun> {
  const project = join(scratch, name);
  mkdirSync(project);
  copyFileSync(join(fixtures, 'vitest.config.mjs'), join(project, 'vitest.config.mjs'));
  copyFileSync(join(fixtures, `${name}.fixture.mjs`), join(project, `${name}.fixture.mjs`));
  return new Promise((resolve) => {
    execFile(process.execPath, [vitest, 'run'], { cwd: project, env: cleanEnv, timeout: 60_000 }, (error) => {
      const exitStatus = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const reportPath = join(project, 'report.json');
      resolve({ exitStatus, reportPath, report: JSON.parse(readFileSync(reportPath, 'utf8')) as VitestRun['report'] });
    });
  });
}

const fixtureNames = ['worker-killed', 'after-all-throws', 'unhandled-rejection', 'load-error', 'mixed', 'clean'] as const;
// All at once: each Vitest start takes about a second, mostly waiting.
const runs = Promise.all(fixtureNames.map(runFixture)).then((all) => new Map(fixtureNames.map((name, i) => [name, all[i]!])));
const statuses = (run: VitestRun): string[] => run.report.testResults.flatMap((file) => file.assertionResults.map((t) => t.status));

describe('on reports of real Vitest runs', () => {
  test('a worker killed mid-file: the file "passed", its 3 tests pending, exit 1 => 0 passed, 3 failed', async () => {
    const run = (await runs).get('worker-killed')!;
    // What Vitest 4.1 writes: nothing failed, success true; only the pending tests show the crash.
    expect(run.exitStatus).toBe(1);
    expect(run.report.success).toBe(true);
    expect(run.report.numFailedTests).toBe(0);
    expect(run.report.testResults.map((file) => file.status)).toEqual(['passed']);
    expect(statuses(run)).toEqual(['pending', 'pending', 'pending']);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '0 passed, 3 failed', status: 1 });
  });

  test('an afterAll that throws: 2 passed tests in a failed file, exit 1 => 2 passed, 1 failed', async () => {
    const run = (await runs).get('after-all-throws')!;
    expect(run.exitStatus).toBe(1);
    expect(run.report.numFailedTests).toBe(0);
    expect(run.report.testResults.map((file) => file.status)).toEqual(['failed']);
    expect(statuses(run)).toEqual(['passed', 'passed']);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '2 passed, 1 failed', status: 1 });
  });

  test('an unhandled rejection: a report with no trace of it, exit 1 => 2 passed, 1 failed', async () => {
    const run = (await runs).get('unhandled-rejection')!;
    expect(run.exitStatus).toBe(1);
    expect(run.report.success).toBe(true);
    expect(run.report.testResults.map((file) => file.status)).toEqual(['passed']);
    expect(statuses(run)).toEqual(['passed', 'passed']);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '2 passed, 1 failed', status: 1 });
  });

  test('a file that does not load: a failed file with no tests, exit 1 => 0 passed, 1 failed', async () => {
    const run = (await runs).get('load-error')!;
    expect(run.exitStatus).toBe(1);
    expect(run.report.testResults.map((file) => file.status)).toEqual(['failed']);
    expect(statuses(run)).toEqual([]);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '0 passed, 1 failed', status: 1 });
  });

  test('a failed test beside a pass, a skip and a todo => 1 passed, 1 failed', async () => {
    const run = (await runs).get('mixed')!;
    expect(run.exitStatus).toBe(1);
    expect(statuses(run)).toEqual(['passed', 'failed', 'skipped', 'todo']);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '1 passed, 1 failed', status: 1 });
  });

  test('a clean run with a skip and a todo, exit 0 => 1 passed, 0 failed, and the summary exits 0', async () => {
    const run = (await runs).get('clean')!;
    expect(run.exitStatus).toBe(0);
    expect(statuses(run)).toEqual(['passed', 'skipped', 'todo']);
    expect(summarize(run.reportPath, run.exitStatus)).toEqual({ line: '1 passed, 0 failed', status: 0 });
  });
});

describe('on hand-made reports', () => {
  const write = (name: string, text: string): string => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };
  const report = (files: { status: string; tests: string[] }[]): string =>
    JSON.stringify({ testResults: files.map((file) => ({ status: file.status, assertionResults: file.tests.map((status) => ({ status })) })) });

  test('no report (the build failed before any test ran) => 0 passed, 1 failed', () => {
    expect(summarize(join(scratch, 'no-such-report.json'), 2)).toEqual({ line: '0 passed, 1 failed', status: 1 });
  });

  test('a report cut off mid-write => 0 passed, 1 failed, whatever the exit status', () => {
    const path = write('truncated.json', report([{ status: 'passed', tests: ['passed'] }]).slice(0, 30));
    expect(summarize(path, 1)).toEqual({ line: '0 passed, 1 failed', status: 1 });
    expect(summarize(path, 0)).toEqual({ line: '0 passed, 1 failed', status: 1 });
  });

  test('pending tests count as failures even when the test command exited 0, and the summary then exits 1', () => {
    const path = write('pending.json', report([{ status: 'passed', tests: ['passed', 'pending', 'pending'] }]));
    expect(summarize(path, 0)).toEqual({ line: '1 passed, 2 failed', status: 1 });
  });

  test('failures add up over files: failed tests, a failed file without one, pending tests', () => {
    const path = write(
      'several.json',
      report([
        { status: 'failed', tests: ['passed', 'failed', 'failed'] },
        { status: 'failed', tests: ['passed'] },
        { status: 'passed', tests: ['pending'] },
        { status: 'passed', tests: ['passed', 'skipped', 'todo'] },
      ]),
    );
    expect(summarize(path, 1)).toEqual({ line: '3 passed, 4 failed', status: 1 });
  });

  test("two reports (npm test's and the browser tests') add up, and either one's failure fails the line", () => {
    const node = write('node.json', report([{ status: 'passed', tests: ['passed', 'passed'] }]));
    const browser = write('browser.json', report([{ status: 'passed', tests: ['passed'] }]));
    expect(summarize(node, 0, browser, 0)).toEqual({ line: '3 passed, 0 failed', status: 0 });
    // The browser tests never ran (no Chromium, say): no report, and a non-zero status.
    expect(summarize(node, 0, join(scratch, 'no-browser-report.json'), 1)).toEqual({ line: '2 passed, 1 failed', status: 1 });
    expect(spawnSync(process.execPath, [summarizer, node, '0', browser], { encoding: 'utf8' }).status).toBe(2);
  });
});
