/**
 * @module
 * Starts the real platform for browser tests: `node bin/opsight start --port 0` in a child
 * process with a fresh data directory and the demo on, and reads the listening URL from its
 * structured log ("opsight listening", {url}). Stopping sends SIGTERM and waits for the exit
 * (SIGKILL after a deadline), then removes the data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPlatform {
  readonly url: string;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface TestPlatformOptions {
  /** How long to wait for the listening line. */
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly extraArgs: readonly string[];
}

export function defaultTestPlatformOptions(): TestPlatformOptions {
  return { startTimeoutMs: 45_000, stopTimeoutMs: 10_000, extraArgs: [] };
}

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'opsight');

/**
 * OPSIGHT_E2E_URL points the tests at an already running platform (debugging a live instance);
 * it is then neither started nor stopped here.
 */
const EXTERNAL_URL = process.env.OPSIGHT_E2E_URL;

/** Whether the CLI and the dashboard are built (npm test builds both first). */
export function missingBuild(): string | undefined {
  if (EXTERNAL_URL) return undefined;
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) return 'dist/ (run npm run build)';
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return 'web/dist (run npm run build)';
  return undefined;
}

export async function startTestPlatform(
  options: Partial<TestPlatformOptions> = {},
): Promise<TestPlatform> {
  const o = { ...defaultTestPlatformOptions(), ...options };
  if (EXTERNAL_URL) {
    return { url: EXTERNAL_URL.replace(/\/$/, ''), output: () => '', stop: async () => {} };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'opsight-e2e-'));
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...o.extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`opsight did not report its URL within ${o.startTimeoutMs} ms:\n${out}`)),
      o.startTimeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const found = findUrl(out);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`opsight exited with ${code} before listening:\n${out}`));
    });
  });

  return {
    url,
    output: () => out,
    stop: async () => {
      await stopChild(child, exited, o.stopTimeoutMs);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The URL from the pino line `{"msg":"opsight listening","url":…}` (or the banner). */
export function findUrl(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const rec = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (rec.msg === 'opsight listening' && typeof rec.url === 'string') return rec.url;
    } catch {
      // A partial line (the rest is still in the pipe): wait for more output.
    }
  }
  return /dashboard (http:\/\/\S+?)\/?\s/.exec(text)?.[1];
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
  });
  await Promise.race([exited.then(() => undefined), killed]);
  clearTimeout(timer);
  await exited;
}
