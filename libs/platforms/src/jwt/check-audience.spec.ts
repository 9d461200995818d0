import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkAudience } from './check-audience';

const ACCEPTED = ['https://broker.test', 'https://broker.test/token'];

describe('checkAudience', () => {
  it('returns the audience as a list when one value is accepted', () => {
    expect(checkAudience({ aud: ['x', 'https://broker.test/token'] }, ACCEPTED)).toEqual([
      'x',
      'https://broker.test/token',
    ]);
  });

  it("names the token's audience and the accepted ones, for the audit and the client", () => {
    expect(() => checkAudience({ aud: 'https://elsewhere.example' }, ACCEPTED)).toThrow(
      expect.objectContaining({
        code: 'audience_mismatch',
        message:
          'the audience is not accepted: aud ["https://elsewhere.example"] names none of the accepted audiences ["https://broker.test", "https://broker.test/token"]',
        publicDetail:
          'aud ["https://elsewhere.example"] names none of the accepted audiences ["https://broker.test", "https://broker.test/token"]',
      }),
    );
  });

  it('bounds a huge audience list and huge values', () => {
    const aud = Array.from({ length: 1000 }, (_, i) => `${'a'.repeat(1000)}-${i}`);
    let message = '';
    try {
      checkAudience({ aud }, ACCEPTED);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('and 995 more');
    expect(message.length).toBeLessThan(1024);
  });

  it.each<[string, JWTPayload, string, string]>([
    ['missing', {}, 'missing_claim', '"aud"'],
    ['empty', { aud: [] }, 'missing_claim', '"aud"'],
    ['not strings', { aud: [1] } as unknown as JWTPayload, 'claim_invalid', '"aud"'],
  ])('names the claim when aud is %s', (_name, claims, code, publicDetail) => {
    expect(() => checkAudience(claims, ACCEPTED)).toThrow(expect.objectContaining({ code, publicDetail }));
  });
});
