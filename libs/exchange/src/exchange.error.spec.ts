import { describe, expect, it } from 'vitest';
import { ExchangeError, MAX_REASON_LENGTH } from './exchange.error';

describe('ExchangeError', () => {
  it('keeps the message as the reason when given none', () => {
    expect(new ExchangeError('malformed_request', 'the parameter grant_type is required').reason).toBe(
      'the parameter grant_type is required',
    );
  });

  it('bounds the reason the audit event keeps', () => {
    const error = new ExchangeError('credential_rejected', 'no trust policy matched the credential', {
      reason: 'x'.repeat(500_000),
    });
    expect(error.reason).toHaveLength(MAX_REASON_LENGTH);
    expect(error.message).toBe('no trust policy matched the credential');
  });
});
