import { describe, expect, it } from 'vitest';
import { createBrokerLogger } from './broker-logger';

function capture(level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const logger = createBrokerLogger(
    { level, format: 'json' },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createBrokerLogger', () => {
  it('writes JSON lines with level names and ISO times', () => {
    const { logger, lines } = capture();
    logger.info({ platforms: 2 }, 'catalog reloaded');
    expect(lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
        service: 'fedbroker',
        platforms: 2,
        msg: 'catalog reloaded',
      },
    ]);
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines().map((line) => line.msg)).toEqual(['loud']);
  });

  it('logs an error by type, message, code, stack and cause, never its other properties', () => {
    const { logger, lines } = capture();
    const refused = Object.assign(new Error('"exp" claim timestamp check failed'), {
      code: 'ERR_JWT_EXPIRED',
      payload: { sub: 'system:serviceaccount:payments:deployer', secret: 's3cr3t' },
      cause: new TypeError('inner'),
    });
    logger.error({ err: refused }, 'token request failed');
    const [line] = lines();
    expect(line?.err).toEqual({
      type: 'Error',
      message: '"exp" claim timestamp check failed',
      code: 'ERR_JWT_EXPIRED',
      stack: expect.any(String) as unknown,
      cause: { type: 'TypeError', message: 'inner', stack: expect.any(String) as unknown },
    });
    expect(JSON.stringify(line)).not.toContain('s3cr3t');
  });

  it('censors credentials handed to it by mistake', () => {
    const { logger, lines } = capture();
    logger.info(
      { request: { headers: { authorization: 'Bearer abc' } }, form: { subject_token: 'eyJ.x.y' } },
      'oops',
    );
    const text = JSON.stringify(lines());
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('eyJ.x.y');
  });
});
