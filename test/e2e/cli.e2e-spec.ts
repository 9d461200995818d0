import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CliIo } from '../../apps/cli/src/cli-command';
import { runCli } from '../../apps/cli/src/cli';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** Standard output as one string. */
  text: string;
}

interface RunOptions {
  credential?: string;
  stdin?: string;
  /** Called at each poll's wait (`audit tail`), with the number of waits so far; abort to stop. */
  onSleep?: (waits: number, stop: () => void) => Promise<void>;
}

describe('fedbroker, against a running broker', () => {
  const clock = new TestClock(new Date('2031-06-01T08:00:00Z'));
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let dir: string;

  /** Runs the CLI in this process, as `main` does, with its output captured. */
  const cli = async (args: string[], options: RunOptions = {}): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    let waits = 0;
    const io: CliIo = {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: { FEDBROKER_URL: broker.url, FEDBROKER_CREDENTIAL: options.credential ?? ADMIN_TOKEN },
      readStdin: () => Promise.resolve(options.stdin ?? ''),
      sleep: async () => {
        waits += 1;
        if (options.onSleep) await options.onSleep(waits, () => stop.abort());
        else stop.abort();
      },
      signal: stop.signal,
    };
    const code = await runCli(args, io);
    return { code, out, err, text: out.join('\n') };
  };
  const file = async (name: string, content: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const exchange = (namespace: string) =>
    cluster
      .mint({ namespace, serviceAccount: 'deployer', aud: ['https://broker.test/token'] })
      .then((assertion) => broker.token({ grant_type: JWT_BEARER, assertion }));

  const bundle = (ttlSeconds: number) => `
platforms:
  - name: prod-cluster
    kind: kubernetes
    issuer: ${cluster.issuer}
policies:
  - name: payments-deployer
    platform: prod-cluster
    condition: identity.namespace == 'payments' && identity.serviceAccount == 'deployer'
    audiences: [https://api.payments.example]
    scopes: [payments.read]
    ttlSeconds: ${ttlSeconds}
`;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    dir = await mkdtemp(join(tmpdir(), 'fedbroker-cli-'));
  });
  afterAll(async () => {
    await broker?.close();
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('credentials', () => {
    it('creates a credential and prints its secret once; the list never shows it', async () => {
      const created = await cli(['credentials', 'create', '--name', 'ci-deployer', '--role', 'admin']);
      expect(created.code).toBe(0);
      const secret = /^secret, shown this once: (\S+)$/m.exec(created.text)?.[1];
      expect(secret).toBeDefined();
      expect(created.out[0]).toMatch(/^created credential ci-deployer \(admin\), id [0-9a-f-]{36}$/);

      const listed = await cli(['credentials', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.out[0]).toMatch(/^ID +NAME +ROLE +CREATED$/);
      expect(listed.text).toMatch(/ci-deployer +admin/);
      expect(listed.text).not.toContain(secret);

      const asIt = await cli(['keys', 'list'], { credential: secret });
      expect(asIt.code).toBe(0);
    });

    it('revokes a credential by name, after which it is refused with the problem, exit 2', async () => {
      const created = await cli([
        '--json',
        'credentials',
        'create',
        '--name',
        'short-lived',
        '--role',
        'auditor',
      ]);
      const { credential, id } = JSON.parse(created.text) as { credential: string; id: string };

      const revoked = await cli(['credentials', 'revoke', 'short-lived']);
      expect(revoked).toMatchObject({ code: 0, out: [`revoked credential ${id}`] });

      const refused = await cli(['platforms', 'list'], { credential });
      expect(refused.code).toBe(2);
      expect(refused.err).toEqual([
        'fedbroker platforms list: 401 Unauthorized: the credential is not valid',
      ]);
      expect(refused.err.join('\n')).not.toContain(credential);
    });

    it('says an auditor may not create credentials (403)', async () => {
      const created = await cli(['--json', 'credentials', 'create', '--name', 'reader', '--role', 'auditor']);
      const { credential } = JSON.parse(created.text) as { credential: string };
      const refused = await cli(['credentials', 'create', '--name', 'x', '--role', 'admin'], { credential });
      expect(refused.code).toBe(2);
      expect(refused.err[0]).toMatch(/^fedbroker credentials create: 403 Forbidden: /);
    });
  });

  describe('platforms', () => {
    it('creates a platform from a YAML file, reporting its keys', async () => {
      const path = await file('staging.yaml', `name: staging\nkind: kubernetes\nissuer: ${cluster.issuer}\n`);
      const created = await cli(['platforms', 'create', '-f', path]);
      expect(created.code, created.err.join('\n')).toBe(0);
      expect(created.out).toEqual(['created platform staging (version 1)', 'keys: 1 fetched']);
    });

    it('lists platforms as a table, and as JSON with --json', async () => {
      const table = await cli(['platforms', 'list']);
      expect(table.out[0]).toMatch(/^NAME +KIND +ISSUER +KEYS +ENABLED +VERSION$/);
      expect(table.text).toMatch(/^staging +kubernetes +http:\/\/127\.0\.0\.1:\d+ +discovery +true +1$/m);
      const json = await cli(['platforms', 'list', '--json']);
      expect(JSON.parse(json.text)).toMatchObject({ items: [expect.objectContaining({ name: 'staging' })] });
    });

    it('shows one platform as YAML that can be applied again', async () => {
      const shown = await cli(['platforms', 'get', 'staging']);
      expect(parse(shown.text)).toMatchObject({ name: 'staging', kind: 'kubernetes', version: 1 });
    });

    it('prints the problem of a refused write, field by field, exit 2', async () => {
      const path = await file(
        'bad.json',
        JSON.stringify({ name: 'Bad Name', kind: 'mainframe', issuer: 'x' }),
      );
      const refused = await cli(['platforms', 'create', '-f', path]);
      expect(refused.code).toBe(2);
      expect(refused.err[0]).toMatch(/^fedbroker platforms create: 400 Validation failed/);
      expect(refused.err).toEqual(
        expect.arrayContaining([expect.stringMatching(/^ {2}name: /), expect.stringMatching(/^ {2}kind: /)]),
      );
    });

    it('deletes a platform, and says so', async () => {
      expect(await cli(['platforms', 'delete', 'staging'])).toMatchObject({
        code: 0,
        out: ['deleted platform staging'],
      });
      const gone = await cli(['platforms', 'get', 'staging']);
      expect(gone.code).toBe(2);
      expect(gone.err[0]).toMatch(/404 Not found/);
    });
  });

  describe('policies', () => {
    it('applies a file of a platform and a policy, then again with nothing to change', async () => {
      const path = await file('bundle.yaml', bundle(900));
      const first = await cli(['policies', 'apply', '-f', path]);
      expect(first.code, first.err.join('\n')).toBe(0);
      expect(first.out).toEqual(['created platform prod-cluster', 'created policy payments-deployer']);

      const again = await cli(['policies', 'apply', '-f', path]);
      expect(again.out).toEqual(['unchanged platform prod-cluster', 'unchanged policy payments-deployer']);
    });

    it('diffs a changed file against the broker, member by member, exit 1; exit 0 once applied', async () => {
      const path = await file('changed.yaml', bundle(600));
      const diff = await cli(['policies', 'diff', '-f', path]);
      expect(diff.code).toBe(1);
      expect(diff.out).toEqual([
        '= platform prod-cluster (unchanged)',
        '~ policy payments-deployer',
        '    ttlSeconds: 900 -> 600',
      ]);

      const applied = await cli(['policies', 'apply', '-f', path]);
      expect(applied.out).toEqual(['updated policy payments-deployer', 'unchanged platform prod-cluster']);
      const clean = await cli(['policies', 'diff', '-f', path, '--json']);
      expect(clean.code).toBe(0);
      expect(JSON.parse(clean.text)).toEqual({
        changes: [
          { resource: 'platform', name: 'prod-cluster', change: 'none', members: [] },
          { resource: 'policy', name: 'payments-deployer', change: 'none', members: [] },
        ],
      });
    });

    it("runs a policy's tests on the broker, and shows its move from audit to enforce before applying it", async () => {
      const rollout = (mode: string) => `
name: rollout
platform: prod-cluster
mode: ${mode}
condition: identity.namespace == 'payments' && identity.serviceAccount == 'deployer'
audiences: [https://api.payments.example]
tests:
  - name: the payments deployer
    identity: { subject: 'system:serviceaccount:payments:deployer', namespace: payments, serviceAccount: deployer }
    expect: match
  - name: another namespace
    identity: { namespace: web, serviceAccount: deployer }
    expect: no_match
`;
      const applied = await cli(['policies', 'apply', '-f', await file('audit.yaml', rollout('audit'))]);
      expect(applied.out, applied.err.join('\n')).toEqual(['created policy rollout']);
      expect(applied.err.every((line) => line.startsWith('warning: '))).toBe(true);

      const tested = await cli(['policies', 'test', 'rollout']);
      expect(tested.code, tested.err.join('\n')).toBe(0);
      expect(tested.out[0]).toMatch(/^TEST +RESULT +OUTCOME +REASON$/);
      expect(tested.out.slice(1)).toEqual([
        expect.stringMatching(/^the payments deployer +pass +match\b/),
        expect.stringMatching(/^another namespace +pass +no_match\b/),
        '2 of 2 test(s) passed',
      ]);

      const enforce = await file('enforce.yaml', rollout('enforce'));
      const diff = await cli(['policies', 'diff', '-f', enforce]);
      expect(diff).toMatchObject({ code: 1, out: ['~ policy rollout', '    mode: "audit" -> "enforce"'] });
      expect((await cli(['policies', 'apply', '-f', enforce])).out).toEqual(['updated policy rollout']);
      expect(await cli(['policies', 'delete', 'rollout'])).toMatchObject({ code: 0 });
    });

    it('diffs a new policy read from standard input as one to create', async () => {
      const stdin = JSON.stringify({
        name: 'new-one',
        platform: 'prod-cluster',
        condition: 'true',
        audiences: ['https://api.example'],
      });
      const diff = await cli(['policies', 'diff', '-f', '-'], { stdin });
      expect(diff).toMatchObject({ code: 1, out: ['+ policy new-one (new)'] });
    });

    it('lists and shows policies', async () => {
      const table = await cli(['policies', 'list', '--platform', 'prod-cluster']);
      expect(table.out[0]).toMatch(/^NAME +PLATFORM +PRIORITY +MODE +ENABLED +AUDIENCES +SCOPES +VERSION$/);
      expect(table.text).toMatch(
        /^payments-deployer +prod-cluster +0 +\S+ +true +https:\/\/api\.payments\.example +payments\.read +2$/m,
      );
      const shown = await cli(['policies', 'get', 'payments-deployer']);
      expect(parse(shown.text)).toMatchObject({ name: 'payments-deployer', ttlSeconds: 600 });
    });

    it('names the platform still in use when its deletion is refused (409), exit 2', async () => {
      const refused = await cli(['platforms', 'delete', 'prod-cluster']);
      expect(refused.code).toBe(2);
      expect(refused.err[0]).toMatch(/^fedbroker platforms delete: 409 Conflict/);
      expect(refused.err).toContain('  conflicts with policy payments-deployer');
    });
  });

  describe('explain', () => {
    it('explains a token read from a file: the decision, each step, the identity and the policies', async () => {
      const token = await cluster.mint({
        namespace: 'payments',
        serviceAccount: 'deployer',
        aud: ['https://broker.test/token'],
      });
      const path = await file('token.jwt', `${token}\n`);
      const explained = await cli([
        'explain',
        path,
        '--grant-type',
        'jwt-bearer',
        '--scope',
        'payments.read',
      ]);
      expect(explained.code, explained.err.join('\n')).toBe(0);
      expect(explained.out[0]).toBe('decision: issue, by policy payments-deployer');
      expect(explained.text).toMatch(/^platform: prod-cluster \(kubernetes, /m);
      expect(explained.text).toMatch(/^ {2}ok {3}verify: /m);
      expect(explained.text).toMatch(/^ {2}namespace: payments$/m);
      expect(explained.text).toMatch(/^ {2}payments-deployer: matched$/m);
    });

    it('explains a denied token read from standard input, naming the policy that did not match', async () => {
      const stdin = await cluster.mint({
        namespace: 'web',
        serviceAccount: 'deployer',
        aud: ['https://broker.test/token'],
      });
      const explained = await cli(['explain', '--audience', 'https://api.payments.example'], { stdin });
      expect(explained.code).toBe(0);
      expect(explained.out[0]).toMatch(/^decision: deny \(credential_rejected\): /);
      expect(explained.text).toMatch(/^ {2}FAIL decide: /m);
      expect(explained.text).toMatch(/^ {2}payments-deployer: not_matched/m);
      const json = await cli(['explain', '--json'], { stdin });
      expect(JSON.parse(json.text)).toMatchObject({
        decision: { outcome: 'deny' },
        identity: { namespace: 'web' },
      });
    });

    it.each([
      [['explain'], '', /standard input: holds no token/],
      [['explain', '--grant-type', 'password'], 'x', /--grant-type/],
    ])('refuses %j, exit 2', async (args, stdin, message) => {
      const refused = await cli(args, { stdin });
      expect(refused.code).toBe(2);
      expect(refused.err.join('\n')).toMatch(message);
    });
  });

  describe('audit', () => {
    it('lists audit events with filters, as a table', async () => {
      expect((await exchange('payments')).status).toBe(200);
      clock.advance(1);
      expect((await exchange('web')).status).toBe(400);

      const denied = await cli(['audit', 'list', '--outcome', 'denied', '--platform', 'prod-cluster']);
      expect(denied.code, denied.err.join('\n')).toBe(0);
      expect(denied.out[0]).toMatch(/^TIME +OUTCOME +PLATFORM +SUBJECT +POLICY +ERROR +REASON$/);
      expect(denied.out.slice(1)).toEqual([
        expect.stringMatching(
          /^2031-06-01T08:00:01\.000Z +denied +prod-cluster +system:serviceaccount:web:deployer +- +credential_rejected +/,
        ),
      ]);
      const json = await cli(['audit', 'list', '--json', '--limit', '1']);
      const page = JSON.parse(json.text) as { items: { outcome: string }[]; nextCursor: string };
      expect(page.items).toHaveLength(1);
      const next = await cli(['audit', 'list', '--limit', '1', '--cursor', page.nextCursor]);
      expect(next.out[1]).toMatch(/ issued +prod-cluster /);
    });

    it('tails the audit trail: the latest events, then each new one once, oldest first', async () => {
      const tail = await cli(['audit', 'tail', '--lines', '1', '--interval', '1', '--json'], {
        onSleep: async (waits, stop) => {
          if (waits === 1) {
            clock.advance(1);
            await exchange('payments');
            clock.advance(1);
            await exchange('nowhere');
          }
          if (waits === 3) stop();
        },
      });
      expect(tail.code, tail.err.join('\n')).toBe(0);
      const events = tail.out.map(
        (line) => JSON.parse(line) as { time: string; subject: string; outcome: string },
      );
      expect(events.map((e) => [e.time, e.subject, e.outcome])).toEqual([
        ['2031-06-01T08:00:01.000Z', 'system:serviceaccount:web:deployer', 'denied'],
        ['2031-06-01T08:00:02.000Z', 'system:serviceaccount:payments:deployer', 'issued'],
        ['2031-06-01T08:00:03.000Z', 'system:serviceaccount:nowhere:deployer', 'denied'],
      ]);
    });
  });

  describe('keys', () => {
    it('rotates with a lead time, lists the keys, and names the pending key when another rotation is refused', async () => {
      const rotated = await cli(['--json', 'keys', 'rotate', '--activate-after', '60']);
      expect(rotated.code, rotated.err.join('\n')).toBe(0);
      const { kid } = JSON.parse(rotated.text) as { kid: string };

      const listed = await cli(['keys', 'list']);
      expect(listed.out[0]).toMatch(/^KID +ALG +STATUS +ACTIVATES +RETIRES +PUBLISHED UNTIL$/);
      expect(listed.text).toMatch(new RegExp(`^${kid} +ES256 +pending +`, 'm'));
      expect(listed.text).toMatch(/ ES256 +current +/);

      const refused = await cli(['keys', 'rotate']);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(`  conflicts with signing-key ${kid}`);

      clock.advance(60);
      const now = await cli(['keys', 'rotate']);
      expect(now.out[0]).toMatch(/^published signing key \S+ \(ES256\), current; it signs from 2031-/);
    });

    it('rewraps the keys, saying how many were already under the current key-encryption key', async () => {
      const rewrapped = await cli(['keys', 'rewrap']);
      expect(rewrapped).toMatchObject({
        code: 0,
        out: [
          expect.stringMatching(/^rewrapped 0 key\(s\); 3 already under the current key-encryption key$/),
        ],
      });
    });

    it('refuses a lead time that is not a number of seconds, exit 2', async () => {
      const refused = await cli(['keys', 'rotate', '--activate-after', 'soon']);
      expect(refused.code).toBe(2);
      expect(refused.err.join('\n')).toMatch(/--activate-after/);
    });
  });

  describe('policies delete', () => {
    it('deletes a policy, after which its platform may be deleted too', async () => {
      expect(await cli(['policies', 'delete', 'payments-deployer'])).toMatchObject({
        code: 0,
        out: ['deleted policy payments-deployer'],
      });
      expect(await cli(['platforms', 'delete', 'prod-cluster', '--json'])).toMatchObject({ code: 0 });
      expect(JSON.parse((await cli(['policies', 'list', '--json'])).text)).toEqual({ items: [] });
    });
  });
});
