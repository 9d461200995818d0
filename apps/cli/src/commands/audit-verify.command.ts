import type { Command } from 'commander';
import type { AuditChainReport } from '@fedbroker/audit';
import { EXIT, type CliIo } from '../cli-command';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';

/** `fedbroker audit verify`: the chain check of `GET /admin/v1/audit-events/verify`, on the database. */
export function registerAuditVerify(audit: Command, ctx: CliContext): void {
  audit
    .command('verify')
    .description('check the audit hash chains in the database at DATABASE_URL; exit 0 intact, 1 broken')
    .addHelpText(
      'after',
      '\nWalks every chain a page at a time and names the first broken event. --json prints the report\n' +
        'as the endpoint does: {"ok", "checked", "firstBroken", "unchained"}. Exit status: 0 intact,\n' +
        '1 broken, 2 could not check.',
    )
    .action(async (_options, command: Command) => {
      const url = ctx.io.env.DATABASE_URL?.trim();
      if (!url || !/^postgres(ql)?:\/\//.test(url)) {
        throw new CliError('DATABASE_URL: must be set to a postgres:// URL');
      }
      let report: AuditChainReport;
      try {
        report = await verify(url);
      } catch (error) {
        throw new CliError(`could not check: ${error instanceof Error ? error.message : String(error)}`);
      }
      print(report, ctx.json(command), ctx.io);
      if (!report.ok) ctx.exit(EXIT.failed);
    });
}

/** Loads the database libraries only for this command, so that the others start quickly. */
async function verify(url: string): Promise<AuditChainReport> {
  const [{ AuditChainVerifier }, { createDataSource }] = await Promise.all([
    import('@fedbroker/audit'),
    import('@fedbroker/persistence'),
  ]);
  const dataSource = createDataSource({ url, poolSize: 1 });
  await dataSource.initialize();
  try {
    return await new AuditChainVerifier(dataSource).verify();
  } finally {
    await dataSource.destroy();
  }
}

function print(report: AuditChainReport, json: boolean, io: CliIo): void {
  if (json) {
    io.out(JSON.stringify(report));
    return;
  }
  const unchained =
    report.unchained > 0 ? `; ${report.unchained} event(s) written before chaining are not covered` : '';
  const broken = report.firstBroken;
  if (!broken) {
    io.out(`audit chain intact: ${report.checked} event(s) checked${unchained}`);
    return;
  }
  const where =
    broken.chainId === null ? 'outside any chain' : `chain ${broken.chainId}, sequence ${broken.sequence}`;
  io.out(`audit chain BROKEN at event ${broken.id} (${where}): ${broken.reason}`);
  io.out(`${report.checked} event(s) checked intact before it${unchained}`);
}
