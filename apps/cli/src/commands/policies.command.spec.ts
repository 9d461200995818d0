import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-command';
import { runCli } from '../cli';

interface Sent {
  method: string;
  path: string;
  body: unknown;
  authorization: string | null;
}

/**
 * The CLI against the admin API as API.md describes the endpoints other work brings
 * (`POST /admin/v1/apply`, `POST /admin/v1/policies/{name}/test`): a broker of `answers`.
 */
async function run(args: string[], answers: Record<string, [number, unknown]>) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: Sent[] = [];
  const fakeFetch = ((input: URL | Request | string, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    sent.push({
      method,
      path: url.pathname,
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      authorization: headers.get('authorization'),
    });
    const [status, body] = answers[`${method} ${url.pathname}`] ?? [
      404,
      { type: 'about:blank', title: 'Not Found', status: 404 },
    ];
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': type } }));
  }) as typeof fetch;
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { FEDBROKER_URL: 'https://broker.example/', FEDBROKER_CREDENTIAL: 'fbk_secret' },
    readStdin: () => Promise.resolve(''),
    sleep: () => Promise.resolve(),
    signal: new AbortController().signal,
    fetch: fakeFetch,
  };
  const code = await runCli(args, io);
  return { code, out, err, sent };
}

describe('fedbroker policies, on the endpoints of API.md', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fedbroker-policies-'));
    file = join(dir, 'bundle.json');
    await writeFile(
      file,
      JSON.stringify({
        platforms: [{ name: 'prod', kind: 'kubernetes', issuer: 'https://k8s.example' }],
        policies: [{ name: 'deployer', platform: 'prod', condition: 'true', audiences: ['https://api'] }],
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('test: prints each result, and exits 1 when one fails', async () => {
    const results = [
      { name: 'the deployer', passed: true, outcome: 'match', reason: 'condition is true' },
      { name: 'another namespace', passed: false, outcome: 'match', reason: 'expected no_match' },
    ];
    const { code, out, sent } = await run(['policies', 'test', 'deployer'], {
      'POST /admin/v1/policies/deployer/test': [200, { results }],
    });
    expect(code).toBe(1);
    expect(out).toEqual([
      'TEST               RESULT  OUTCOME  REASON',
      'the deployer       pass    match    condition is true',
      'another namespace  FAIL    match    expected no_match',
      '1 of 2 test(s) passed',
    ]);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /admin/v1/policies/deployer/test']);
  });

  it('test: exits 0 when every test passes, and says when the broker runs no tests', async () => {
    const passing = await run(['policies', 'test', 'deployer'], {
      'POST /admin/v1/policies/deployer/test': [
        200,
        { results: [{ name: 'a', passed: true, outcome: 'match' }] },
      ],
    });
    expect(passing.code).toBe(0);
    const older = await run(['policies', 'test', 'deployer'], {});
    expect(older).toMatchObject({
      code: 2,
      err: [
        'fedbroker policies test: this broker does not run policy tests (POST /admin/v1/policies/{name}/test)',
      ],
    });
  });

  it('test: prints the problem of a policy that does not exist', async () => {
    const { code, err } = await run(['policies', 'test', 'nothing'], {
      'POST /admin/v1/policies/nothing/test': [
        404,
        { type: 'about:blank', title: 'Not found', status: 404, detail: 'no policy has that name' },
      ],
    });
    expect(code).toBe(2);
    expect(err).toEqual(['fedbroker policies test: 404 Not found: no policy has that name']);
  });

  it('apply: sends the whole file in one POST /admin/v1/apply where the broker serves it, and prints its answer and warnings', async () => {
    const { code, out, err, sent } = await run(['policies', 'apply', '-f', file], {
      'POST /admin/v1/apply': [
        200,
        {
          created: [{ resource: 'policy', name: 'deployer' }],
          updated: [],
          unchanged: [{ resource: 'platform', name: 'prod' }],
          warnings: ['policy deployer: the condition pins no immutable field'],
        },
      ],
    });
    expect(code).toBe(0);
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/admin/v1/apply',
        body: {
          platforms: [{ name: 'prod', kind: 'kubernetes', issuer: 'https://k8s.example' }],
          policies: [{ name: 'deployer', platform: 'prod', condition: 'true', audiences: ['https://api'] }],
        },
        authorization: 'Bearer fbk_secret',
      },
    ]);
    expect(out).toEqual(['created policy deployer', 'unchanged platform prod']);
    expect(err).toEqual(['warning: policy deployer: the condition pins no immutable field']);
  });

  it('apply: prints every invalid item of a refused apply, having applied nothing', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Validation failed',
      status: 400,
      detail: 'nothing was applied',
      errors: [{ field: 'policies.0.condition', message: 'does not compile' }],
    };
    const { code, err, sent } = await run(['policies', 'apply', '-f', file], {
      'POST /admin/v1/apply': [400, problem],
    });
    expect(code).toBe(2);
    expect(err).toEqual([
      'fedbroker policies apply: 400 Validation failed: nothing was applied',
      '  policies.0.condition: does not compile',
    ]);
    expect(sent).toHaveLength(1);
  });

  it('never prints the credential', async () => {
    const { out, err } = await run(['policies', 'test', 'deployer'], {});
    expect([...out, ...err].join('\n')).not.toContain('fbk_secret');
  });
});
