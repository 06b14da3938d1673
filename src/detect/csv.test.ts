import { describe, expect, it } from 'vitest';
import {
  findColumns,
  formatScore,
  formatValue,
  parseTimestampMs,
  parseValue,
  splitCsvLine,
} from './index.ts';

describe('csv pieces', () => {
  it.each([
    { line: 'a,b,c', want: ['a', 'b', 'c'] },
    { line: '"2018-06-13T00:00:00Z","0","1"', want: ['2018-06-13T00:00:00Z', '0', '1'] },
    { line: '"a,b","say ""hi""",', want: ['a,b', 'say "hi"', ''] },
  ])('splits $line', ({ line, want }) => expect(splitCsvLine(line)).toEqual(want));

  it.each([
    { text: '2018-07-03 14:00:00', want: Date.UTC(2018, 6, 3, 14) },
    { text: '2018-07-03T14:00:00Z', want: Date.UTC(2018, 6, 3, 14) },
    { text: '2018-07-03T16:00:00+02:00', want: Date.UTC(2018, 6, 3, 14) },
    { text: ' 2018-07-03 14:00 ', want: Date.UTC(2018, 6, 3, 14) },
    { text: '2018-07-03 14:00:00.250', want: Date.UTC(2018, 6, 3, 14) + 250 },
    { text: '2018-07-03', want: Date.UTC(2018, 6, 3) },
    { text: '1530626400', want: Date.UTC(2018, 6, 3, 14) },
    { text: '1530626400000', want: Date.UTC(2018, 6, 3, 14) },
  ])('parses $text', ({ text, want }) => expect(parseTimestampMs(text)).toBe(want));

  it.each(['', 'yesterday', '2018-13-45 99:00:00x'])('rejects %j', (text) => {
    expect(Number.isNaN(parseTimestampMs(text))).toBe(true);
  });

  it('values: empty and junk are NaN', () => {
    expect(parseValue(' 1.5 ')).toBe(1.5);
    expect(Number.isNaN(parseValue(''))).toBe(true);
    expect(Number.isNaN(parseValue('n/a'))).toBe(true);
  });

  it('finds columns case-insensitively and names the header it found when one is missing', () => {
    expect(findColumns('TimeStamp,Value,Label')).toMatchObject({
      timestamp: 0,
      value: 1,
      label: 2,
    });
    expect(findColumns('\uFEFFhost,"timestamp",VALUE')).toMatchObject({
      timestamp: 1,
      value: 2,
      label: -1,
    });
    expect(findColumns('time,val')).toEqual({
      error: 'the header has no timestamp or value column (found: "time","val")',
    });
  });

  it('formats numbers compactly', () => {
    expect(formatScore(0.123456789)).toBe('0.123457');
    expect(formatScore(-0)).toBe('0');
    expect(formatValue(4.8)).toBe('4.8');
    expect(formatValue(1 / 3)).toBe('0.3333333333');
    expect(formatValue(Number.NaN)).toBe('');
  });
});
