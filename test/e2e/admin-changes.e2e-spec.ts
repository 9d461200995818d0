import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';

type Change = {
  id: string;
  time: string;
  actor: string;
  action: string;
  resource: string;
  name: string;
  version: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
};
type Page = { items: Change[]; nextCursor: string | null };

const KEY = {
  kty: 'EC',
  crv: 'P-256',
  kid: 'history-key',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const PLATFORM = {
  name: 'recorded',
  kind: 'kubernetes',
  issuer: 'https://recorded.example',
  jwks: { keys: [KEY] },
};
const POLICY = {
  name: 'recorded-policy',
  platform: 'recorded',
  condition: "identity.namespace == 'payments'",
  audiences: ['https://api.example'],
};

describe('GET /admin/v1/changes', () => {
  const clock = new TestClock(new Date('2031-05-01T12:00:00Z'));
  let broker: Broker;
  let operator: { id: string; credential: string };
  let everything: Change[];

  const changes = async (query = ''): Promise<Page> => {
    const response = await broker.admin('GET', `/admin/v1/changes${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  };
  const nextDay = () => clock.advance(86_400);

  beforeAll(async () => {
    broker = await startBroker({}, clock);
    const asOperator = () => ({ authorization: `Bearer ${operator.credential}` });
    const expectStatus = async (response: Promise<Response>, status: number) => {
      const answered = await response;
      expect(answered.status, await answered.clone().text()).toBe(status);
    };

    operator = (await (
      await broker.admin('POST', '/admin/v1/credentials', { name: 'operator', role: 'admin' })
    ).json()) as { id: string; credential: string };
    nextDay(); // 2031-05-02
    await expectStatus(broker.admin('POST', '/admin/v1/platforms', PLATFORM, asOperator()), 201);
    await expectStatus(
      broker.admin(
        'PUT',
        '/admin/v1/platforms/recorded',
        { ...PLATFORM, clockSkewSeconds: 5 },
        {
          ...asOperator(),
          'if-match': '"1"',
        },
      ),
      200,
    );
    nextDay(); // 2031-05-03
    await expectStatus(
      broker.admin(
        'PATCH',
        '/admin/v1/platforms/recorded',
        { enabled: false },
        {
          'content-type': 'application/merge-patch+json',
          'if-match': '"2"',
        },
      ),
      200,
    );
    await expectStatus(broker.admin('POST', '/admin/v1/policies', POLICY, asOperator()), 201);
    nextDay(); // 2031-05-04
    await expectStatus(
      broker.admin('DELETE', '/admin/v1/policies/recorded-policy', undefined, { 'if-match': '"1"' }),
      204,
    );
    await expectStatus(broker.admin('POST', '/admin/v1/signing-keys/rotate', undefined, asOperator()), 201);
    nextDay(); // 2031-05-05
    await expectStatus(
      broker.admin('DELETE', `/admin/v1/credentials/${operator.id}`, undefined, asOperator()),
      204,
    );
    everything = (await changes()).items;
  });

  afterAll(async () => {
    await broker.close();
  });

  it('records every admin write, newest first, with who did it', () => {
    expect(
      everything.map((c) => [
        c.actor === 'bootstrap' ? 'bootstrap' : 'operator',
        c.action,
        c.resource,
        c.name,
      ]),
    ).toEqual([
      ['operator', 'delete', 'credential', 'operator'],
      ['operator', 'create', 'signing-key', everything[1]?.name],
      ['bootstrap', 'delete', 'policy', 'recorded-policy'],
      ['operator', 'create', 'policy', 'recorded-policy'],
      ['bootstrap', 'update', 'platform', 'recorded'],
      ['operator', 'update', 'platform', 'recorded'],
      ['operator', 'create', 'platform', 'recorded'],
      ['bootstrap', 'create', 'credential', 'operator'],
    ]);
    expect(new Set(everything.filter((c) => c.actor !== 'bootstrap').map((c) => c.actor))).toEqual(
      new Set([operator.id]),
    );
    expect(everything.map((c) => c.time)).toEqual([...everything.map((c) => c.time)].sort().reverse());
  });

  it('shows each write before and after, with its version', () => {
    const [created, updated] = everything.filter((c) => c.resource === 'platform').reverse();
    expect(created).toMatchObject({
      version: 1,
      before: null,
      after: { ...PLATFORM, version: 1, clockSkewSeconds: 60 },
    });
    expect(updated).toMatchObject({
      version: 2,
      before: { version: 1, clockSkewSeconds: 60 },
      after: { version: 2, clockSkewSeconds: 5, jwks: { keys: [KEY] } },
    });
    const deleted = everything.find((c) => c.action === 'delete' && c.resource === 'policy');
    expect(deleted).toMatchObject({ version: 1, before: { ...POLICY, version: 1 }, after: null });
    const rotation = everything.find((c) => c.resource === 'signing-key');
    expect(rotation).toMatchObject({
      version: null,
      before: null,
      after: { kid: rotation?.name, alg: 'ES256' },
    });
  });

  it('never shows a credential secret or its digest', () => {
    const digest = createHash('sha256').update(operator.credential).digest('hex');
    const text = JSON.stringify(everything);
    expect(text).not.toContain(operator.credential);
    expect(text).not.toContain(digest);
    const created = everything.find((c) => c.resource === 'credential' && c.action === 'create');
    expect(Object.keys(created?.after ?? {}).sort()).toEqual(['createdAt', 'id', 'name', 'role']);
  });

  it('records nothing for a refused write', async () => {
    const before = (await changes()).items.length;
    await broker.admin('POST', '/admin/v1/platforms', { ...PLATFORM, name: 'Bad Name' });
    await broker.admin('POST', '/admin/v1/platforms', PLATFORM);
    await broker.admin('PUT', '/admin/v1/platforms/recorded', PLATFORM, { 'if-match': '"1"' });
    await broker.admin('DELETE', '/admin/v1/platforms/recorded');
    expect((await changes()).items).toHaveLength(before);
  });

  it.each([
    ['?resource=platform', (c: Change) => c.resource === 'platform'],
    ['?resource=policy&name=recorded-policy', (c: Change) => c.name === 'recorded-policy'],
    ['?actor=bootstrap', (c: Change) => c.actor === 'bootstrap'],
    ['?from=2031-05-03', (c: Change) => c.time >= '2031-05-03'],
    ['?to=2031-05-03', (c: Change) => c.time < '2031-05-04'],
    ['?from=2031-05-03&to=2031-05-03', (c: Change) => c.time.startsWith('2031-05-03')],
    [
      '?from=2031-05-02T12:00:00Z&to=2031-05-04T12:00:00%2B00:00',
      (c: Change) => c.time >= '2031-05-02T12' && c.time < '2031-05-04T12',
    ],
  ])('filters with %s', async (query, keeps) => {
    const expected = everything.filter(keeps);
    expect(expected.length).toBeGreaterThan(0);
    expect((await changes(query)).items).toEqual(expected);
  });

  it('filters by a credential id as actor', async () => {
    const mine = (await changes(`?actor=${operator.id}`)).items;
    expect(mine.map((c) => c.id)).toEqual(everything.filter((c) => c.actor === operator.id).map((c) => c.id));
  });

  it('pages with limit and the previous page cursor', async () => {
    const seen: Change[] = [];
    let cursor: string | null = '';
    do {
      const page: Page = await changes(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything);
  });

  it.each([
    ['resource=platforms', 'resource'],
    ['from=yesterday', 'from'],
    ['to=2031-02-30', 'to'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['cursor=not-one-of-ours', 'cursor'],
    ['color=blue', '(query)'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const response = await broker.admin('GET', `/admin/v1/changes?${query}`);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });
});
