import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate, humanize, type TemplateContext } from './template.ts';

const ctx: TemplateContext = {
  labels: { service: 'checkout', 'k8s.pod': 'pod-7', 'odd name': 'x', evil: '{{ $value }}' },
  value: 0.123456789,
  vars: { expected: 120, detector: 'ewma' },
};

function render(source: string, c: TemplateContext = ctx): string {
  const r = compileTemplate(source, ['expected', 'detector', 'observed']);
  if (!r.ok) throw new Error(r.reason);
  return r.template.render(c);
}

describe('template rendering', () => {
  it.each([
    ['plain text', 'plain text'],
    ['{{ $labels.service }} is slow', 'checkout is slow'],
    ['{{$labels.service}}', 'checkout'],
    ['pod {{ $labels.k8s.pod }}', 'pod pod-7'],
    ['{{ $labels["odd name"] }}', 'x'],
    ['[{{ $labels.missing }}]', '[]'],
    ['{{ $labels.missing | default "n/a" }}', 'n/a'],
    ['{{ $value }}', '0.123457'],
    ['{{ $value | round 2 }}', '0.12'],
    ['{{ $value | fixed 3 }}', '0.123'],
    ['{{ $value | percent 1 }}', '12.3%'],
    ['{{ $value | percent }}', '12.35%'],
    ['{{ 1234567 | humanize }}', '1.23M'],
    ['{{ 5400 | duration }}', '1h30m'],
    ['{{ $labels.service | upper }}', 'CHECKOUT'],
    ['{{ "ABC" | lower }}', 'abc'],
    ['{{ $labels.service | quote }}', '"checkout"'],
    ['expected {{ $expected }} by {{ $detector }}', 'expected 120 by ewma'],
    ['{{ $observed | default "?" }}', '?'],
    // A literal "{{" and a stray "}}" stay text.
    ['{{ "{{" }} not a block }}', '{{ not a block }}'],
    ['{{ "a \\"quoted\\" \\\\ word" }}', 'a "quoted" \\ word'],
    // Values are inserted once and never evaluated again.
    ['{{ $labels.evil }}', '{{ $value }}'],
    ['{{ $labels.service | round 2 }}', 'checkout'],
  ])('%s → %s', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('renders a missing $value as empty', () => {
    expect(render('[{{ $value }}]', { labels: {} })).toBe('[]');
  });

  it.each([
    ['{{ $labels.service', 'unclosed "{{" at character 0'],
    ['{{ }}', 'empty {{ }} at character 0'],
    ['x {{ $nope }}', 'unknown variable $nope at character 2'],
    ['{{ $labels }}', 'write $labels.NAME'],
    ['{{ $value | shout }}', 'unknown function "shout"'],
    ['{{ $value | round 1 2 }}', 'round takes 0–1 argument(s), got 2'],
    ['{{ $value | fixed }}', 'fixed takes 1 argument(s), got 0'],
    ['{{ $value round }}', 'expected "|" between steps'],
    ['{{ "open }}', 'unterminated string'],
    ['{{ $value | default $labels.a }}', 'arguments of default must be literals'],
    ['{{ process.exit() }}', 'unexpected "."'],
    ['{{ process }}', 'expected $labels.NAME, $value, a variable or a literal'],
    ['{{ $value; }}', 'unexpected ";"'],
  ])('rejects %s', (source, reason) => {
    const r = compileTemplate(source);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1k'],
    [0.0042, '4.2m'],
    [-2500, '-2.5k'],
  ])('humanize(%s) = %s', (n, s) => {
    expect(humanize(n)).toBe(s);
  });
});

describe('template properties', () => {
  it('inserts any label value verbatim and never throws while rendering', () => {
    const r = compileTemplate('<{{ $labels.a }}|{{ $labels.a | upper | default "x" }}>');
    if (!r.ok) throw new Error(r.reason);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const out = r.template.render({ labels: { a: value } });
        expect(out.startsWith(`<${value}|`)).toBe(true);
      }),
    );
  });

  it('compiles or explains any source, never throwing', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('{', '}', '$', '|', '"', ' ', 'a', 'l', '.', '1', '\\'),
        }),
        (source) => {
          const r = compileTemplate(source);
          if (r.ok) expect(typeof r.template.render({ labels: {}, value: 1 })).toBe('string');
          else expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
