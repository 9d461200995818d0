import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_VERIFICATION_MESSAGE_LENGTH,
  VERIFICATION_ERROR_CODES,
  VerificationError,
} from './verification-error';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const documented = [...readme.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((match) => match[1]);

describe('VerificationError', () => {
  it('documents exactly the codes the code defines', () => {
    expect(documented).toEqual([...VERIFICATION_ERROR_CODES]);
  });

  it.each(VERIFICATION_ERROR_CODES)('%s has a default message naming its category', (code) => {
    const error = new VerificationError(code);
    expect(error.code).toBe(code);
    expect(error.message).not.toBe('');
    expect(error.name).toBe('VerificationError');
  });

  it('bounds its message and public detail, whatever a claim held', () => {
    const error = new VerificationError('claim_invalid', 'x'.repeat(100_000), {
      publicDetail: 'y'.repeat(100_000),
    });
    expect(error.message.length).toBe(MAX_VERIFICATION_MESSAGE_LENGTH);
    expect(error.publicDetail?.length).toBe(MAX_VERIFICATION_MESSAGE_LENGTH);
  });

  it('has no public detail unless given one: the message may hold what the client must not see', () => {
    expect(new VerificationError('key_not_found', 'no key matches kid "k"').publicDetail).toBeUndefined();
  });

  it('keeps the cause', () => {
    const cause = new Error('underlying');
    expect(new VerificationError('keys_unavailable', undefined, { cause }).cause).toBe(cause);
  });
});
