import type { PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformConfig, PlatformKind } from '@fedbroker/platforms';
import { compilePolicy, type CompiledPolicy, type PolicySchema } from '@fedbroker/policy';
import { toPolicyRecord } from './catalog-records';
import { policySchemaFor } from './policy-schema-for';

/** A compiled policy as of one stored version, on a platform of one kind. */
export interface CompiledVersion {
  id: string;
  version: number;
  kind: PlatformKind | undefined;
  policy: CompiledPolicy;
}

/** Where the loader reports what it skips; pino's logger fits. */
export interface LoaderLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The compiled policies a catalog loader keeps from one load to the next, by id, stored version and
 * platform kind: those it serves, those writes compiled before a load read them (adopted), and the
 * stored versions that no longer compile, so that each version is compiled (or warned about) once.
 */
export class CompiledPolicies {
  private readonly served = new Map<string, CompiledVersion>();
  /** Stored policies that no longer compile: not compiled, nor warned about, again at that version. */
  private readonly uncompilable = new Map<string, Omit<CompiledVersion, 'policy'>>();
  /** Policies writes compiled, kept until a load has read their version (or a later one). */
  private readonly adopted = new Map<string, CompiledVersion>();
  private readonly schemas = new Map<PlatformKind, PolicySchema>();

  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly logger: LoaderLogger | undefined,
  ) {}

  adopt(entries: Iterable<CompiledVersion>): void {
    for (const entry of entries) this.adopted.set(entry.id, entry);
  }

  /** The compiled policy of that version and kind, from a write or an earlier load. */
  known(id: string, version: number, kind: PlatformKind): CompiledVersion | undefined {
    const adopted = this.adopted.get(id);
    if (adopted !== undefined && adopted.version === version && adopted.kind === kind) return adopted;
    const served = this.served.get(id);
    if (served !== undefined && served.version === version && served.kind === kind) return served;
    return undefined;
  }

  /** {@link known}, kept from now on as the version the loader serves. */
  serve(id: string, version: number, kind: PlatformKind): CompiledVersion | undefined {
    const known = this.known(id, version, kind);
    if (known !== undefined) this.served.set(id, known);
    return known;
  }

  /** Whether that version must be read and compiled: it is neither known nor known not to compile. */
  missing(id: string, version: number, kind: PlatformKind): boolean {
    const failed = this.uncompilable.get(id);
    const knownToFail = failed?.version === version && failed.kind === kind;
    return !knownToFail && this.known(id, version, kind) === undefined;
  }

  /** Compiles a stored row of `platform` and serves it, or remembers (and warns) that it does not compile. */
  compile(row: PolicyEntity, platform: PlatformConfig): void {
    const stored = { id: row.id, version: row.version, kind: platform.kind };
    try {
      const policy = compilePolicy(toPolicyRecord(row, platform.name), this.schemaFor(platform.kind));
      this.served.set(row.id, { ...stored, policy });
    } catch (error) {
      this.logger?.warn({ policy: row.name, error: String(error) }, 'policy no longer compiles; ignored');
      this.uncompilable.set(row.id, stored);
    }
  }

  /**
   * Drops what no stored row needs any longer: policies no platform serves (`served`, by id and
   * version), adopted versions a load has read (`seen`, every stored row by id and version).
   */
  forgetOutside(served: ReadonlyMap<string, number>, seen: ReadonlyMap<string, number>): void {
    for (const id of this.served.keys()) if (!served.has(id)) this.served.delete(id);
    for (const [id, failed] of this.uncompilable) {
      if (served.get(id) !== failed.version) this.uncompilable.delete(id);
    }
    for (const [id, entry] of this.adopted) {
      if ((seen.get(id) ?? -1) >= entry.version) this.adopted.delete(id);
    }
  }

  /** Drops what `written` rows made useless: adopted versions read, failures at older versions. */
  forgetWritten(written: readonly { id: string; version: number }[]): void {
    for (const { id, version } of written) {
      if ((this.adopted.get(id)?.version ?? Infinity) <= version) this.adopted.delete(id);
      const failed = this.uncompilable.get(id);
      if (failed !== undefined && failed.version !== version) this.uncompilable.delete(id);
    }
  }

  private schemaFor(kind: PlatformKind): PolicySchema {
    let schema = this.schemas.get(kind);
    if (schema === undefined) {
      schema = policySchemaFor(this.adapters, kind);
      this.schemas.set(kind, schema);
    }
    return schema;
  }
}
