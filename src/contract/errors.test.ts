/**
 * The error registry, its documentation and its use stay in step (STYLE.md rule 13, after
 * Fastify's test/internals/errors.test.js): every code is well-formed and distinct, has a
 * section in docs/errors.md with the right status, the page documents nothing else, and every
 * code is raised somewhere in src/ (except the reserved ones, which must really be unused).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, errorCodes, OpsError, toProblem } from './errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const codes = Object.keys(errorCodes) as ErrorCode[];

/** Codes defined ahead of their first use, each with the reason. */
const RESERVED: Partial<Record<ErrorCode, string>> = {
  FORBIDDEN: 'API-key scopes (ingest, read, admin) come after issue 2; keys have no scopes yet',
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (
      /\.tsx?$/.test(entry.name) &&
      !/\.(test|contract)\.ts$|\.test-support\.ts$/.test(entry.name)
    ) {
      out.push(path);
    }
  }
  return out;
}

describe('error registry', () => {
  it('has well-formed, distinct codes, titles and statuses', () => {
    expect(codes.length).toBeGreaterThan(0);
    const titles = new Set<string>();
    for (const code of codes) {
      const { status, title } = errorCodes[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(titles.has(title), `title of ${code} repeats another code's`).toBe(false);
      titles.add(title);
    }
  });

  it.each(codes)('%s renders as problem+json with its status and anchor', (code) => {
    const err = new OpsError(code, 'why', { items: [{ index: 1, field: 'f', reason: 'r' }] });
    expect(err.status).toBe(errorCodes[code].status);
    expect(toProblem(err, '/x')).toEqual({
      type: `/docs/errors#${code}`,
      title: errorCodes[code].title,
      status: errorCodes[code].status,
      detail: 'why',
      instance: '/x',
      code,
      errors: [{ index: 1, field: 'f', reason: 'r' }],
    });
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const sections = new Map<string, string>();
  const mismatched: string[] = [];
  const repeated: string[] = [];
  for (const m of doc.matchAll(
    /<a id="([A-Z0-9_]+)"><\/a>\n## ([A-Z0-9_]+)\n([\s\S]*?)(?=\n<a id=|$)/g,
  )) {
    const [, anchor = '', heading = '', body = ''] = m;
    if (anchor !== heading) mismatched.push(`${anchor} ≠ ${heading}`);
    if (sections.has(anchor)) repeated.push(anchor);
    sections.set(anchor, body);
  }

  it('has one section per code, each anchor equal to its heading', () => {
    expect(mismatched).toEqual([]);
    expect(repeated).toEqual([]);
  });

  it.each(codes)('documents %s with its status and title', (code) => {
    const body = sections.get(code);
    expect(body, `docs/errors.md has no section <a id="${code}"></a> ## ${code}`).toBeDefined();
    expect(body).toContain(`**${errorCodes[code].status}** — ${errorCodes[code].title}`);
  });

  it('documents no code that is not in the registry', () => {
    expect([...sections.keys()].filter((c) => !(c in errorCodes))).toEqual([]);
  });
});

describe('use in src/', () => {
  const files = sourceFiles(join(ROOT, 'src')).filter(
    (f) => !f.endsWith(join('contract', 'errors.ts')),
  );
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const used = (code: string): boolean => new RegExp(`['"\`]${code}['"\`]`).test(text);

  it.each(codes.filter((c) => RESERVED[c] === undefined))('%s is raised somewhere', (code) => {
    expect(used(code), `no source file outside contract/errors.ts mentions '${code}'`).toBe(true);
  });

  it.each(Object.keys(RESERVED))(
    'reserved %s is really unused (else drop it from RESERVED)',
    (code) => {
      expect(used(code)).toBe(false);
    },
  );
});
