import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { spiffeAdapter } from './spiffe.adapter';

interface JwtFixture {
  id: string;
  platform: string;
  format: string;
  token: string;
}

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const dir = join(__dirname, '../../../../test/fixtures/real');
const jwtFixtures = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture)
  .filter((fixture) => fixture.format === 'jwt');

// No public SPIFFE JWT-SVID with verifying keys exists (fixtures README); the fake SPIRE mints them.
describe('real tokens of other platforms and the SPIFFE adapter', () => {
  it.each(jwtFixtures)('does not take $id, a $platform token, for a JWT-SVID', (fixture) => {
    expect(spiffeAdapter.locate(presentCredential(fixture.token, JWT_TYPE, true))).toEqual([]);
  });
});
