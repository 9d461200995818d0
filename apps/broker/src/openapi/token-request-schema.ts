import { z } from 'zod';
import { MAX_TOKEN_BYTES, TOKEN_TYPE } from '@fedbroker/exchange';

/**
 * The form of `POST /token`, one branch per grant, for the OpenAPI document. The grants read their
 * parameters themselves (libs/exchange/src/grants); a test holds this list to theirs.
 */
const token = z.string().min(1).max(MAX_TOKEN_BYTES);
const targets = {
  audience: z.array(z.string()).optional().describe('Repeatable: the audiences wanted (RFC 8693 §2.1)'),
  resource: z.array(z.string()).optional().describe('Repeatable: the resources wanted (RFC 8707)'),
  scope: z.string().optional().describe('Space-separated scopes; omitted: all the policy grants'),
  client_id: z.string().optional().describe('Recorded in the audit event; with a client assertion, its sub'),
};

export const tokenRequestSchema = z.discriminatedUnion('grant_type', [
  z
    .strictObject({
      grant_type: z.literal('urn:ietf:params:oauth:grant-type:token-exchange'),
      subject_token: token,
      subject_token_type: z
        .string()
        .describe(
          `${TOKEN_TYPE.jwt}, ${TOKEN_TYPE.idToken}, ${TOKEN_TYPE.accessToken}, or a platform kind's own`,
        ),
      requested_token_type: z.enum([TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt]).optional(),
      actor_token: token.optional().describe('Delegation: the issued token carries act'),
      actor_token_type: z.string().optional(),
      ...targets,
    })
    .describe('RFC 8693 token exchange'),
  z
    .strictObject({
      grant_type: z.literal('urn:ietf:params:oauth:grant-type:jwt-bearer'),
      assertion: token,
      ...targets,
    })
    .describe('RFC 7523 §2.1 JWT bearer authorization grant'),
  z
    .strictObject({
      grant_type: z.literal('client_credentials'),
      client_assertion_type: z.literal('urn:ietf:params:oauth:client-assertion-type:jwt-bearer'),
      client_assertion: token,
      ...targets,
    })
    .describe('Client credentials with an RFC 7523 §2.2 client assertion'),
]);
