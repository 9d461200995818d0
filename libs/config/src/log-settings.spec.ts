import { describe, expect, it } from 'vitest';
import { logSettings } from './log-settings';

describe('logSettings', () => {
  it('reads the level and the format, in any case', () => {
    expect(logSettings({ FEDBROKER_LOG_LEVEL: 'DEBUG', FEDBROKER_LOG_FORMAT: 'Pretty' })).toEqual({
      level: 'debug',
      format: 'pretty',
    });
  });

  it('defaults to info as JSON', () => {
    expect(logSettings({ FEDBROKER_LOG_LEVEL: ' ' })).toEqual({ level: 'info', format: 'json' });
  });
});
