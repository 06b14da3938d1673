import { describe, expect, it } from 'vitest';
import { matchersForAlert, parseMatcherLines } from './alerting.ts';
import { formatMatcher } from './url-state.ts';

describe('parseMatcherLines', () => {
  it.each([
    ['service="api"', [{ name: 'service', op: '=', value: 'api' }]],
    [
      'alertname=HighLatency\nservice!="batch"',
      [
        { name: 'alertname', op: '=', value: 'HighLatency' },
        { name: 'service', op: '!=', value: 'batch' },
      ],
    ],
    [
      'env=~"prod|stage", region !~ "eu-.*"',
      [
        { name: 'env', op: '=~', value: 'prod|stage' },
        { name: 'region', op: '!~', value: 'eu-.*' },
      ],
    ],
    // A comma inside quotes belongs to the value; escaped quotes are unescaped.
    ['msg="a, b \\"c\\""', [{ name: 'msg', op: '=', value: 'a, b "c"' }]],
    ['\n  service="api"  \n\n', [{ name: 'service', op: '=', value: 'api' }]],
  ])('%j', (text, want) => {
    expect(parseMatcherLines(text)).toEqual(want);
  });

  it.each([
    ['', /at least one matcher/],
    ['service', /not a matcher/],
    ['9x="a"', /not a matcher/],
    ['service="api', /quote is not closed/],
  ])('refuses %j', (text, problem) => {
    const got = parseMatcherLines(text);
    expect(typeof got).toBe('string');
    expect(got).toMatch(problem);
  });

  it('reads back what formatMatcher writes', () => {
    const ms = [
      { name: 'a', op: '=' as const, value: 'x "quoted" \\ back' },
      { name: 'b', op: '=~' as const, value: 'p|q' },
    ];
    expect(parseMatcherLines(ms.map(formatMatcher).join('\n'))).toEqual(ms);
  });
});

describe('matchersForAlert', () => {
  it('uses every label but severity, alertname first', () => {
    expect(
      matchersForAlert({ service: 'api', severity: 'warning', alertname: 'HighLatency', env: 'p' }),
    ).toEqual([
      { name: 'alertname', op: '=', value: 'HighLatency' },
      { name: 'env', op: '=', value: 'p' },
      { name: 'service', op: '=', value: 'api' },
    ]);
  });
});
