import { describe, expect, it } from 'vitest';
import { findUrl } from './platform.ts';

describe('findUrl', () => {
  it.each([
    {
      name: 'the pino line',
      text: '{"level":30,"msg":"store opened"}\n{"level":30,"url":"http://127.0.0.1:43121","msg":"opsight listening"}\n',
      want: 'http://127.0.0.1:43121',
    },
    {
      name: 'the banner',
      text: '\n  opsight is running: dashboard http://127.0.0.1:8080/  ·  API docs …\n',
      want: 'http://127.0.0.1:8080',
    },
    { name: 'a partial line', text: '{"level":30,"url":"http://127.0.0.1:1', want: undefined },
    { name: 'nothing yet', text: '', want: undefined },
  ])('$name', ({ text, want }) => expect(findUrl(text)).toBe(want));
});
