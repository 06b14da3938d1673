/** Lets a DetectionThread started from the .ts sources (Vitest) run its thread in Node 20. */
import { pathToFileURL } from 'node:url';

const hooks = pathToFileURL(new URL('./detection-ts-hooks.mjs', import.meta.url).pathname).href;

/** Node flags for the thread: register the TypeScript load hook first. */
export const TS_THREAD_EXEC_ARGV: readonly string[] = [
  '--import',
  `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hooks)});`,
];
