/**
 * The layering of DESIGN.md, the lint rules of STYLE.md and the strict type-check are part of the
 * test command, so a change that breaks them cannot land.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('architecture and style', () => {
  it('dependency rules hold: no cycles, pure domain, one composition root, no deep imports', () => {
    const r = run('npx', ['depcruise', 'src', 'web/src', '--config', '.dependency-cruiser.cjs']);
    expect(r.out).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  it('biome lint and format are clean', () => {
    const r = run('npx', ['biome', 'check', '.']);
    expect(r.status, r.out).toBe(0);
  });

  it('everything type-checks under the strict flags (src, web, tests, bench)', () => {
    const r = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
    expect(r.status, r.out).toBe(0);
  });
});
