import pino from 'pino';

/** One logger for the whole process; children carry the request or job id. Never log image bytes. */
export const logger = pino({
  level: process.env.VIGIE_LOG_LEVEL ?? 'info',
  base: { service: 'vigie' },
  redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-sensor-key"]'],
});

export type Logger = typeof logger;
