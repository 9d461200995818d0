import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';
import { JWT_BEARER } from '../support/oauth-urns';

describe('GET /admin/v1/audit-events/verify', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
    const requests = Array.from({ length: 12 }, () =>
      broker.token({ grant_type: JWT_BEARER, assertion: 'not-a-jwt' }),
    );
    for (const response of await Promise.all(requests)) expect(response.status).toBe(400);
  });
  afterAll(async () => {
    await broker.close();
  });

  it('reports the chains of the broker intact', async () => {
    const response = await broker.admin('GET', '/admin/v1/audit-events/verify');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, checked: 12, firstBroken: null, unchained: 0 });
  });

  it('requires an admin credential', async () => {
    expect((await fetch(`${broker.url}/admin/v1/audit-events/verify`)).status).toBe(401);
  });

  it('names the row an operator with the trigger off altered', async () => {
    const query = (sql: string) => broker.runtime.dataSource.query(sql);
    const [{ id }] = (await query(
      `SELECT id::text FROM audit_events ORDER BY time, id LIMIT 1 OFFSET 5`,
    )) as [{ id: string }];
    await query('ALTER TABLE audit_records DISABLE TRIGGER tg_audit_records_append_only');
    try {
      await query(`UPDATE audit_records SET outcome = 3 - outcome WHERE id = '${id}'`);
    } finally {
      await query('ALTER TABLE audit_records ENABLE TRIGGER tg_audit_records_append_only');
    }
    const response = await broker.admin('GET', '/admin/v1/audit-events/verify');
    expect(await response.json()).toMatchObject({
      ok: false,
      firstBroken: { id, reason: 'its content does not match its hash: it was altered' },
    });
  });
});
