import { parseArgs } from 'node:util';
import { AuditChainVerifier, type AuditChainReport } from '@fedbroker/audit';
import { createDataSource } from '@fedbroker/persistence';
import { EXIT, type CliCommand, type CliIo } from '../cli-command';

const USAGE = `usage: fedbroker audit verify [--json]

Checks the hash chains of the audit events in the database at DATABASE_URL and names the first
broken event. Exit status: 0 intact, 1 broken, 2 could not check.

  --json   print the report as JSON ({"ok", "checked", "firstBroken", "unchained"})`;

/** `fedbroker audit verify`: the chain check of `GET /admin/v1/audit-events/verify`, from a shell. */
export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  summary: 'check the audit hash chains; exit 0 intact, 1 broken',
  async run(args, io) {
    let json: boolean;
    try {
      const { values } = parseArgs({
        args,
        options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
        strict: true,
      });
      if (values.help) {
        io.out(USAGE);
        return EXIT.ok;
      }
      json = values.json;
    } catch (error) {
      io.err(`fedbroker audit verify: ${error instanceof Error ? error.message : String(error)}`);
      io.err(USAGE);
      return EXIT.error;
    }
    const url = io.env.DATABASE_URL?.trim();
    if (!url || !/^postgres(ql)?:\/\//.test(url)) {
      io.err('fedbroker audit verify: DATABASE_URL: must be set to a postgres:// URL');
      return EXIT.error;
    }
    let report: AuditChainReport;
    try {
      report = await verify(url);
    } catch (error) {
      io.err(
        `fedbroker audit verify: could not check: ${error instanceof Error ? error.message : String(error)}`,
      );
      return EXIT.error;
    }
    print(report, json, io);
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};

async function verify(url: string): Promise<AuditChainReport> {
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
