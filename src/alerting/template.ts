/**
 * @module
 * A small, safe template language for alert labels and annotations — no eval, no code, no
 * loops: text with `{{ expression }}` blocks, where an expression is one operand followed by
 * `| function args` steps.
 *
 * Operands: `$labels.service` (a label; names may contain dots), `$labels["odd name"]`,
 * `$value`, any other `$name` the caller passes as a variable (e.g. `$expected`), a string
 * literal `"text"` (with `\"` and `\\` escapes) or a number. Functions: `round N`, `fixed N`,
 * `percent [N]` (0.0123 → 1.23), `humanize` (1234567 → 1.23M), `duration` (seconds → 1h2m),
 * `upper`, `lower`, `default "text"` (when empty), `quote`.
 *
 * A missing label or variable renders as the empty string (use `default`). Values are inserted
 * verbatim and never parsed again, so a label value containing `{{` stays text. To write a
 * literal `{{`, use `{{ "{{" }}`. Output is plain text: whoever renders it as HTML escapes it.
 */
import { formatDurationMs } from './duration.ts';

export interface TemplateContext {
  readonly labels: Readonly<Record<string, string>>;
  readonly value?: number;
  /** Further `$name` variables. */
  readonly vars?: Readonly<Record<string, string | number>>;
}

/** A compiled template: render it as often as needed. */
export interface Template {
  readonly source: string;
  render(ctx: TemplateContext): string;
}

export type CompileResult =
  | { readonly ok: true; readonly template: Template }
  | { readonly ok: false; readonly reason: string };

type Operand =
  | { readonly t: 'label'; readonly name: string }
  | { readonly t: 'var'; readonly name: string }
  | { readonly t: 'lit'; readonly value: string | number };

interface Step {
  readonly fn: string;
  readonly args: readonly (string | number)[];
}

type Part = string | { readonly operand: Operand; readonly steps: readonly Step[] };

type Token =
  | { readonly k: 'var'; readonly path: string }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'ident'; readonly v: string }
  | { readonly k: 'pipe' };

const FUNCTIONS: Readonly<Record<string, { readonly min: number; readonly max: number }>> = {
  round: { min: 0, max: 1 },
  fixed: { min: 1, max: 1 },
  percent: { min: 0, max: 1 },
  humanize: { min: 0, max: 0 },
  duration: { min: 0, max: 0 },
  upper: { min: 0, max: 0 },
  lower: { min: 0, max: 0 },
  default: { min: 1, max: 1 },
  quote: { min: 0, max: 0 },
};

class TemplateSyntaxError extends Error {}

/** Compiles `source`; a syntax error comes back as a reason naming the character position. */
export function compileTemplate(source: string, knownVars: readonly string[] = []): CompileResult {
  try {
    const parts = parse(source, new Set(['value', 'labels', ...knownVars]));
    return {
      ok: true,
      template: { source, render: (ctx) => parts.map((p) => renderPart(p, ctx)).join('') },
    };
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return { ok: false, reason: err.message };
    throw err;
  }
}

function parse(source: string, knownVars: ReadonlySet<string>): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let text = '';
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    const { tokens, end } = tokenize(source, open + 2);
    if (text !== '') parts.push(text);
    text = '';
    parts.push(parseExpression(tokens, open, knownVars));
    i = end;
  }
  if (text !== '') parts.push(text);
  return parts;
}

/** Tokens from `start` up to the closing `}}`; `end` is the index after it. */
function tokenize(source: string, start: number): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = start;
  for (;;) {
    const c = source[i];
    if (c === undefined) {
      throw new TemplateSyntaxError(`unclosed "{{" at character ${start - 2}`);
    }
    if (c === '}' && source[i + 1] === '}') return { tokens, end: i + 2 };
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '|') {
      tokens.push({ k: 'pipe' });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        const d = source[i];
        if (d === undefined) throw new TemplateSyntaxError(`unterminated string at character ${i}`);
        if (d === '"') break;
        if (d === '\\') {
          const e = source[i + 1];
          if (e === '"' || e === '\\') v += e;
          else if (e === 'n') v += '\n';
          else throw new TemplateSyntaxError(`unknown escape "\\${e ?? ''}" at character ${i}`);
          i += 2;
        } else {
          v += d;
          i++;
        }
      }
      i++;
      tokens.push({ k: 'str', v });
    } else if (c === '$') {
      const m =
        /^\$[a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_.]*)?(?:\["(?:[^"\\]|\\.)*"\])?/.exec(
          source.slice(i),
        );
      if (m === null) throw new TemplateSyntaxError(`bad variable at character ${i}`);
      tokens.push({ k: 'var', path: m[0] });
      i += m[0].length;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+(?:\.\d+)?/.exec(source.slice(i));
      if (m === null) throw new TemplateSyntaxError(`bad number at character ${i}`);
      tokens.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[a-zA-Z_]/.test(c)) {
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ k: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      throw new TemplateSyntaxError(`unexpected "${c}" at character ${i}`);
    }
  }
}

function parseExpression(tokens: Token[], at: number, knownVars: ReadonlySet<string>): Part {
  const first = tokens[0];
  if (first === undefined) throw new TemplateSyntaxError(`empty {{ }} at character ${at}`);
  let operand: Operand;
  if (first.k === 'str' || first.k === 'num') {
    operand = { t: 'lit', value: first.v };
  } else if (first.k === 'var') {
    operand = parseVar(first.path, at, knownVars);
  } else {
    throw new TemplateSyntaxError(
      `expected $labels.NAME, $value, a variable or a literal at character ${at}`,
    );
  }
  const steps: Step[] = [];
  let i = 1;
  while (i < tokens.length) {
    if (tokens[i]?.k !== 'pipe') {
      throw new TemplateSyntaxError(`expected "|" between steps in the block at character ${at}`);
    }
    const fnTok = tokens[i + 1];
    if (fnTok?.k !== 'ident') {
      throw new TemplateSyntaxError(`expected a function name after "|" at character ${at}`);
    }
    const spec = FUNCTIONS[fnTok.v];
    if (spec === undefined) {
      throw new TemplateSyntaxError(
        `unknown function "${fnTok.v}" at character ${at}; known: ${Object.keys(FUNCTIONS).join(', ')}`,
      );
    }
    const args: (string | number)[] = [];
    i += 2;
    while (i < tokens.length && tokens[i]?.k !== 'pipe') {
      const a = tokens[i] as Token;
      if (a.k !== 'str' && a.k !== 'num') {
        throw new TemplateSyntaxError(`arguments of ${fnTok.v} must be literals (character ${at})`);
      }
      args.push(a.v);
      i++;
    }
    if (args.length < spec.min || args.length > spec.max) {
      throw new TemplateSyntaxError(
        `${fnTok.v} takes ${spec.min === spec.max ? spec.min : `${spec.min}–${spec.max}`} argument(s), got ${args.length} (character ${at})`,
      );
    }
    steps.push({ fn: fnTok.v, args });
  }
  return { operand, steps };
}

function parseVar(path: string, at: number, knownVars: ReadonlySet<string>): Operand {
  const bracket = /^\$labels\["((?:[^"\\]|\\.)*)"\]$/.exec(path);
  if (bracket !== null) {
    return { t: 'label', name: (bracket[1] as string).replace(/\\(.)/g, '$1') };
  }
  const dot = path.indexOf('.');
  const head = (dot < 0 ? path : path.slice(0, dot)).slice(1);
  if (head === 'labels') {
    if (dot < 0) throw new TemplateSyntaxError(`write $labels.NAME at character ${at}`);
    return { t: 'label', name: path.slice(dot + 1) };
  }
  if (dot >= 0 || path.includes('[')) {
    throw new TemplateSyntaxError(`only $labels has fields ("${path}" at character ${at})`);
  }
  if (!knownVars.has(head)) {
    throw new TemplateSyntaxError(
      `unknown variable $${head} at character ${at}; known: ${[...knownVars].map((v) => `$${v}`).join(', ')}`,
    );
  }
  return { t: 'var', name: head };
}

function renderPart(part: Part, ctx: TemplateContext): string {
  if (typeof part === 'string') return part;
  let v: string | number;
  const o = part.operand;
  if (o.t === 'lit') v = o.value;
  else if (o.t === 'label') v = ctx.labels[o.name] ?? '';
  else if (o.name === 'value') v = ctx.value ?? '';
  else v = ctx.vars?.[o.name] ?? '';
  for (const s of part.steps) v = apply(s, v);
  return typeof v === 'number' ? formatNumber(v) : v;
}

function apply(step: Step, v: string | number): string | number {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  const arg0 = step.args[0];
  switch (step.fn) {
    case 'round': {
      if (Number.isNaN(n)) return v;
      const d = typeof arg0 === 'number' ? arg0 : 0;
      const f = 10 ** d;
      return Math.round(n * f) / f;
    }
    case 'fixed':
      return Number.isNaN(n) ? v : n.toFixed(Math.max(0, Math.min(20, Number(arg0))));
    case 'percent': {
      if (Number.isNaN(n)) return v;
      const d = typeof arg0 === 'number' ? arg0 : 2;
      return `${Number((n * 100).toFixed(Math.max(0, Math.min(20, d))))}%`;
    }
    case 'humanize':
      return Number.isNaN(n) ? v : humanize(n);
    case 'duration':
      return Number.isNaN(n) ? v : formatDurationMs(n * 1000);
    case 'upper':
      return String(v).toUpperCase();
    case 'lower':
      return String(v).toLowerCase();
    case 'default':
      return v === '' ? (arg0 ?? '') : v;
    case 'quote':
      return JSON.stringify(typeof v === 'number' ? formatNumber(v) : v);
    default:
      return v;
  }
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** 1234 → 1.23k, 0.00123 → 1.23m (SI prefixes, 3 significant digits). */
export function humanize(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const prefixes: readonly [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
    [1, ''],
    [1e-3, 'm'],
    [1e-6, 'µ'],
  ];
  for (const [size, p] of prefixes) {
    if (abs >= size) return `${Number((n / size).toPrecision(3))}${p}`;
  }
  return String(Number(n.toPrecision(3)));
}
