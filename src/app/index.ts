/** @module The composition root's public face (imported only by cli/). */
export { type Config, defaultConfig, durationMs, loadConfig } from './config.ts';
export { type RunningPlatform, startPlatform } from './platform.ts';
