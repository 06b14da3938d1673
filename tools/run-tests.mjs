#!/usr/bin/env node
// The README's test command. Builds (the integration and browser tests run the built CLI), runs
// every Vitest project, then prints the plain closing line `N passed, N failed, N skipped` that CI
// reads. Under CI=true a skipped test is a failure: a skip there means a required service or the
// browser was missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env });

let r = run('npm', ['run', '--silent', 'build']);
if (r.status !== 0) {
  console.error('build failed');
  process.exit(r.status ?? 1);
}
mkdirSync('tests/artifacts', { recursive: true });
const report = 'tests/artifacts/vitest-report.json';
const extra = process.argv.slice(2);
r = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...extra,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames = [];
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const file of json.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') failed++;
      else {
        skipped++;
        skippedNames.push(t.fullName);
      }
    }
    // A file that failed to load has no assertions but counts as a failure.
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') failed++;
  }
} catch (err) {
  console.error(`could not read ${report}: ${err}`);
  failed++;
}
const ci = process.env.CI === 'true';
if (ci && skipped > 0) {
  console.error(`\nCI=true: ${skipped} skipped test(s) count as failures:`);
  for (const n of skippedNames) console.error(`  - ${n}`);
}
console.log(`\n${passed} passed, ${failed + (ci ? skipped : 0)} failed, ${skipped} skipped`);
const ok = r.status === 0 && failed === 0 && passed > 0 && !(ci && skipped > 0);
process.exit(ok ? 0 : 1);
