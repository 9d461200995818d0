import { beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { AuditWriter } from '@fedbroker/audit';
import { useMigratedDatabase } from '../../../test/support/test-database';
import type { CliIo } from './cli-command';
import { runCli } from './cli';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    readStdin: () => Promise.resolve(''),
    sleep: () => Promise.resolve(),
    signal: new AbortController().signal,
  };
  return { io, out, err };
}

describe('fedbroker', () => {
  it('describes itself, its commands, its environment and its exit status with --help, and exits 0', async () => {
    const { io, out } = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    const help = out.join('\n');
    expect(help).toMatch(/^Usage: fedbroker /);
    for (const command of ['platforms', 'policies', 'explain', 'audit', 'credentials', 'keys']) {
      expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help).toContain('FEDBROKER_URL');
    expect(help).toContain('FEDBROKER_CREDENTIAL');
    expect(help).toContain('Exit status');
  });

  it('describes each group with --help', async () => {
    const { io, out } = capture();
    expect(await runCli(['audit', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/verify +check the audit hash chains/);
  });

  it.each([[[]], [['audit']], [['audit', 'frobnicate']], [['nope']], [['platforms', 'get']]])(
    'refuses %j with the usage, exit 2',
    async (argv) => {
      const { io, err } = capture();
      expect(await runCli(argv, io)).toBe(2);
      expect(err.join('\n')).toMatch(/Usage: fedbroker|--help/);
    },
  );

  it('refuses audit verify without DATABASE_URL, naming it', async () => {
    const { io, err } = capture({});
    expect(await runCli(['audit', 'verify'], io)).toBe(2);
    expect(err).toEqual(['fedbroker audit verify: DATABASE_URL: must be set to a postgres:// URL']);
  });

  it('refuses an unknown option of audit verify', async () => {
    const { io, err } = capture({ DATABASE_URL: 'postgres://nowhere/x' });
    expect(await runCli(['audit', 'verify', '--fast'], io)).toBe(2);
    expect(err[0]).toMatch(/--fast/);
  });

  it.each([
    [{}, 'FEDBROKER_URL: must be set'],
    [{ FEDBROKER_URL: 'ftp://broker' }, 'FEDBROKER_URL: must be an absolute http(s) URL'],
    [{ FEDBROKER_URL: 'https://admin:s3cret@broker' }, 'FEDBROKER_URL: must not carry credentials'],
    [{ FEDBROKER_URL: 'https://broker' }, 'FEDBROKER_CREDENTIAL: must be set'],
  ])('refuses to call the broker with the environment %j, naming the variable', async (env, message) => {
    const { io, err } = capture(env);
    expect(await runCli(['platforms', 'list'], io)).toBe(2);
    expect(err[0]).toContain(`fedbroker platforms list: ${message}`);
    expect(err.join('\n')).not.toContain('s3cret');
  });

  it('says it cannot reach the broker, exit 2, never showing the credential', async () => {
    const { io, err } = capture({
      FEDBROKER_URL: 'http://127.0.0.1:1',
      FEDBROKER_CREDENTIAL: 'fbk_secret-value',
    });
    expect(await runCli(['keys', 'list'], io)).toBe(2);
    expect(err[0]).toMatch(/^fedbroker keys list: cannot reach the broker at http:\/\/127\.0\.0\.1:1: /);
    expect(err.join('\n')).not.toContain('fbk_secret-value');
  });

  it('says it could not check when the database cannot be reached, exit 2', async () => {
    const { io, err } = capture({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(await runCli(['audit', 'verify'], io)).toBe(2);
    expect(err[0]).toMatch(/^fedbroker audit verify: could not check: /);
  });
});

describe('fedbroker audit verify', () => {
  const db = useMigratedDatabase();
  let ids: string[];

  beforeAll(async () => {
    const writer = new AuditWriter(db.dataSource, { maxBatch: 3 });
    ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        writer.write({ time: new Date(), requestId: `cli-${i}`, grantType: null, outcome: 'denied' }),
      ),
    );
    await writer.close();
    // the command opens its own connection: embedded PostgreSQL serves very few at once
    await db.dataSource.destroy();
  });

  const run = async (...args: string[]) => {
    const captured = capture({ DATABASE_URL: db.database.url });
    const code = await runCli(['audit', 'verify', ...args], captured.io);
    return { code, ...captured };
  };

  it('prints that the chain is intact and exits 0', async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    expect(out).toEqual(['audit chain intact: 10 event(s) checked']);
  });

  it('prints the report as JSON with --json', async () => {
    const { code, out } = await run('--json');
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ ok: true, checked: 10, firstBroken: null, unchained: 0 });
  });

  it('names the altered event and exits 1', async () => {
    const altered = ids[4]!;
    const client = new Client({ connectionString: db.database.url });
    await client.connect();
    try {
      await client.query('ALTER TABLE audit_records DISABLE TRIGGER tg_audit_records_append_only');
      await client.query(`UPDATE audit_records SET outcome = 3 - outcome WHERE id = $1`, [altered]);
      await client.query('ALTER TABLE audit_records ENABLE TRIGGER tg_audit_records_append_only');
    } finally {
      await client.end();
    }
    const { code, out } = await run();
    expect(code).toBe(1);
    expect(out[0]).toMatch(
      new RegExp(
        `^audit chain BROKEN at event ${altered} \\(chain [0-9a-f-]{36}, sequence \\d+\\): its content`,
      ),
    );
  });
});
