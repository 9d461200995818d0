import { describe, expect, it } from 'vitest';
import { readCallerIdentityAnswer, refusalFromSts } from './caller-identity-answer';

const ACCOUNT = '111122223333';
const result = (fields: Record<string, unknown>) =>
  JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: fields, ResponseMetadata: {} } });
const ROLE = {
  Account: ACCOUNT,
  Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
  UserId: 'AROA3XFRBF535PLBIFPI4:ci',
};

describe('readCallerIdentityAnswer', () => {
  it('reads the result and the principal its ARN names', () => {
    expect(readCallerIdentityAnswer(result(ROLE))).toEqual({
      raw: ROLE,
      principal: {
        accountId: ACCOUNT,
        principalType: 'assumed-role',
        roleName: 'deployer',
        sessionName: 'ci',
      },
    });
  });

  it.each([
    ['XML', '<GetCallerIdentityResponse/>', 'other than JSON'],
    ['another shape', JSON.stringify({ Account: ACCOUNT }), 'unexpected'],
    ['no UserId', result({ ...ROLE, UserId: undefined }), 'unexpected'],
    ['a numeric account', result({ ...ROLE, Account: 111122223333 }), 'unexpected'],
    [
      'an ARN of another account',
      result({ ...ROLE, Arn: 'arn:aws:sts::444455556666:assumed-role/deployer/ci' }),
      'unexpected',
    ],
    ['an ARN that names no principal', result({ ...ROLE, Arn: 'arn:aws:s3:::bucket' }), 'unexpected'],
  ])('takes %s for the verifier failing', (_name, body, words) => {
    expect(() => readCallerIdentityAnswer(body)).toThrow(
      expect.objectContaining({
        code: 'verifier_unavailable',
        message: expect.stringContaining(words) as unknown,
      }),
    );
  });
});

describe('refusalFromSts', () => {
  const jsonError = (code: string, message = '') =>
    JSON.stringify({ Error: { Code: code, Message: message, Type: 'Sender' } });
  it.each([
    [403, jsonError('SignatureDoesNotMatch'), 'signature_invalid', 'HTTP 403 SignatureDoesNotMatch'],
    [403, jsonError('InvalidClientTokenId'), 'signature_invalid', 'InvalidClientTokenId'],
    [403, jsonError('ExpiredToken'), 'expired', 'ExpiredToken'],
    [400, jsonError('RequestExpired'), 'expired', 'HTTP 400 RequestExpired'],
    [
      403,
      jsonError('SignatureDoesNotMatch', 'Signature expired: 20260115T100000Z is now earlier than …'),
      'expired',
      'SignatureDoesNotMatch',
    ],
    [
      403,
      '<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>',
      'signature_invalid',
      'SignatureDoesNotMatch',
    ],
    [403, 'Forbidden', 'signature_invalid', 'HTTP 403)'],
    [403, jsonError('Not<a>code!'), 'signature_invalid', 'HTTP 403)'],
  ])('HTTP %i %s → %s', (status, body, code, words) => {
    expect(refusalFromSts(status, body)).toMatchObject({
      code,
      message: expect.stringContaining(words) as unknown,
    });
  });
});
