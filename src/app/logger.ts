/** @module Structured logging: one pino root logger; components get children. */
import { type Logger, pino } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { app: 'opsight' }, timestamp: pino.stdTimeFunctions.isoTime });
}
