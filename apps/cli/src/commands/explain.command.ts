import { InvalidArgumentError, type Command } from 'commander';
import { isJson, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { cell, printJson } from '../output';
import { readText } from '../resource-file';

const GRANT_TYPES: Readonly<Record<string, string>> = {
  'token-exchange': 'urn:ietf:params:oauth:grant-type:token-exchange',
  'jwt-bearer': 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'client-credentials': 'client_credentials',
};

interface ExplainOptions {
  audience?: string[];
  scope?: string;
  grantType?: string;
  tokenType?: string;
  actorToken?: string;
  actorTokenType?: string;
  clientId?: string;
}

/** `fedbroker explain [file]`: what `/token` would decide for a credential, and why. */
export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain [file]')
    .description('say what /token would decide for a token (from a file, or standard input), and why')
    .option('--audience <uri>', 'a requested audience (repeatable)', (value: string, all: string[] = []) => [
      ...all,
      value,
    ])
    .option('--scope <scopes>', 'the requested scopes, space-separated')
    .option('--grant-type <grant>', 'token-exchange (default), jwt-bearer or client-credentials', grantType)
    .option('--token-type <urn>', "the token's type (subject_token_type)")
    .option('--actor-token <file>', 'a file holding the actor token of a delegation')
    .option('--actor-token-type <urn>', "the actor token's type")
    .option('--client-id <id>', 'the client_id the request would carry')
    .action(async (file: string | undefined, options: ExplainOptions, command: Command) => {
      const token = await readToken(file ?? '-', ctx);
      const body: Json = {
        token,
        ...(options.audience !== undefined ? { audience: options.audience } : {}),
        ...(options.scope !== undefined ? { scope: options.scope } : {}),
        ...(options.grantType !== undefined ? { grantType: options.grantType } : {}),
        ...(options.tokenType !== undefined ? { tokenType: options.tokenType } : {}),
        ...(options.actorToken !== undefined ? { actorToken: await readToken(options.actorToken, ctx) } : {}),
        ...(options.actorTokenType !== undefined ? { actorTokenType: options.actorTokenType } : {}),
        ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      };
      const { body: report } = await ctx.client().call('POST', '/admin/v1/explain', { body });
      if (ctx.json(command)) return printJson(ctx.io, report);
      printReport(ctx, isJson(report) ? report : {});
    });
}

/** A grant by its short name or its `grant_type` value. */
function grantType(value: string): string {
  const grant = GRANT_TYPES[value] ?? Object.values(GRANT_TYPES).find((urn) => urn === value);
  if (grant === undefined) throw new InvalidArgumentError(`one of ${Object.keys(GRANT_TYPES).join(', ')}`);
  return grant;
}

function falsePart(conjunct: unknown): string {
  if (!isJson(conjunct)) return '';
  return ` (part ${cell(conjunct.position)} of ${cell(conjunct.of)} is false: ${cell(conjunct.expression)})`;
}

async function readToken(path: string, ctx: CliContext): Promise<string> {
  const token = (await readText(path, ctx.io)).trim();
  if (token === '') throw new CliError(`${path === '-' ? 'standard input' : path}: holds no token`);
  return token;
}

function printReport(ctx: CliContext, report: Json): void {
  const out = (line: string) => ctx.io.out(line);
  const decision = isJson(report.decision) ? report.decision : {};
  if (decision.outcome === 'issue') {
    out(`decision: issue, by policy ${cell(decision.policy)}`);
    out(
      `  subject ${cell(decision.subject)}, audience ${cell(decision.audience)}, scopes ${cell(decision.scopes)}`,
    );
    out(`  lifetime ${cell(decision.ttlSeconds)} s`);
  } else {
    out(`decision: deny (${cell(decision.error)}): ${cell(decision.reason)}`);
  }
  const platform = isJson(report.platform) ? report.platform : undefined;
  out(
    `platform: ${platform ? `${cell(platform.name)} (${cell(platform.kind)}, ${cell(platform.issuer)})` : 'none found'}`,
  );
  out('steps:');
  for (const step of Array.isArray(report.steps) ? report.steps.filter(isJson) : []) {
    const check = typeof step.check === 'string' ? ` [${step.check}]` : '';
    out(`  ${step.ok === true ? 'ok  ' : 'FAIL'} ${cell(step.step)}${check}: ${cell(step.detail)}`);
  }
  if (isJson(report.identity)) {
    out('identity:');
    for (const [field, value] of Object.entries(report.identity)) out(`  ${field}: ${cell(value)}`);
  }
  const policies = Array.isArray(report.policies) ? report.policies.filter(isJson) : [];
  if (policies.length > 0) {
    const ranking = typeof report.ranking === 'string' ? report.ranking : 'priority, then name';
    out(`policies (${ranking}):`);
    for (const policy of policies) {
      const reason = policy.reason === undefined ? '' : `: ${cell(policy.reason)}`;
      out(`  ${cell(policy.policy)}: ${cell(policy.result)}${reason}${falsePart(policy.falseConjunct)}`);
    }
  }
}
