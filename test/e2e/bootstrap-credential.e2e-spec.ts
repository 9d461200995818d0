import { createServer, type AddressInfo, type Server } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fedbroker/config';
import { serveBroker, type ServingBroker } from '../../apps/broker/src/serve-broker';
import { silentLogger } from '../support/broker-harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('the generated bootstrap credential', () => {
  let database: TestDatabase;
  let busy: Server;
  let busyPort: string;

  const serve = (env: Record<string, string>): Promise<ServingBroker> =>
    serveBroker(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        FEDBROKER_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
        FEDBROKER_ISSUER: 'https://broker.test',
        ...env,
      }),
      {
        logger: silentLogger(),
        appLogger: false,
        database: { url: database.url, singleSession: database.singleSession },
      },
    );
  const storedCredentials = async (): Promise<string[]> => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>('SELECT name FROM admin_credentials');
      return result.rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  };
  const get = (url: string, credential: string, method = 'GET') =>
    fetch(url, { method, headers: { authorization: `Bearer ${credential}` } });

  beforeAll(async () => {
    database = await createTestDatabase();
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = String((busy.address() as AddressInfo).port);
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    await database.drop();
  });

  it.each(['PORT', 'FEDBROKER_ADMIN_PORT'])(
    'is not made when a start fails because %s is in use, so none is lost',
    async (variable) => {
      await expect(serve({ [variable]: busyPort })).rejects.toThrow(/EADDRINUSE/);
      expect(await storedCredentials()).toEqual([]);
    },
  );

  it('is made once the broker listens, works at once, and is not made again', async () => {
    const first = await serve({});
    try {
      expect(first.generatedCredential).toMatch(/^fbk_[A-Za-z0-9_-]{43}$/);
      expect((await get(`${first.url}/admin/v1/platforms`, first.generatedCredential ?? '')).status).toBe(
        200,
      );
    } finally {
      await first.close();
    }
    const second = await serve({});
    try {
      expect(second.generatedCredential).toBeUndefined();
      expect((await get(`${second.url}/admin/v1/platforms`, first.generatedCredential ?? '')).status).toBe(
        200,
      );
    } finally {
      await second.close();
    }
    expect(await storedCredentials()).toEqual(['bootstrap']);
  });

  it('when lost, is replaced through FEDBROKER_ADMIN_TOKEN, which can then revoke it', async () => {
    const recovery = 'recovery-credential-0123456789';
    const broker = await serve({ FEDBROKER_ADMIN_TOKEN: recovery });
    try {
      expect(broker.generatedCredential).toBeUndefined();
      const listed = (await (await get(`${broker.url}/admin/v1/credentials`, recovery)).json()) as {
        items: { id: string; name: string; role: string }[];
      };
      const lost = listed.items.find((c) => c.name === 'bootstrap');
      expect(lost).toMatchObject({ role: 'admin' });
      const revoked = await get(`${broker.url}/admin/v1/credentials/${lost?.id ?? ''}`, recovery, 'DELETE');
      expect(revoked.status).toBe(204);
    } finally {
      await broker.close();
    }
    expect(await storedCredentials()).toEqual([]);
  });
});
