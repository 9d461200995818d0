import { describe, expect, it } from 'vitest';
import { createBrokerLogger } from './broker-logger';
import { NestLogBridge } from './nest-log-bridge';

describe('NestLogBridge', () => {
  it('passes warnings and errors to the broker logger, and drops the rest', () => {
    const lines: string[] = [];
    const bridge = new NestLogBridge(
      createBrokerLogger(
        { level: 'debug', format: 'json' },
        { write: (line: string) => void lines.push(line) },
      ),
    );
    bridge.log('Mapped {/token, POST} route', 'RouterExplorer');
    bridge.debug();
    bridge.warn('deprecated option', 'NestFactory');
    bridge.error('unexpected error on /token', 'Error: boom\n    at x', 'HttpExceptionFilter');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'warn', context: 'NestFactory', msg: 'deprecated option' }),
      expect.objectContaining({
        level: 'error',
        context: 'HttpExceptionFilter',
        stack: 'Error: boom\n    at x',
        msg: 'unexpected error on /token',
      }),
    ]);
  });
});
