import { timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { BOOTSTRAP_ACTOR, type ChangeLog } from '@fedbroker/history';
import { AdminCredentialEntity } from '@fedbroker/persistence';
import { ADMIN_ROLES, type AdminPrincipal, type AdminRole } from './admin-role';
import { CredentialError } from './credential.error';
import { credentialDigest, generateCredentialSecret } from './credential-secret';
import { credentialView, type CredentialView } from './credential-view';

/** The name of the credential generated on a first start without `FEDBROKER_ADMIN_TOKEN`; reserved. */
const BOOTSTRAP_NAME = 'bootstrap';
const UNIQUE_VIOLATION = '23505';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The body of `POST /admin/v1/credentials`. */
export const credentialBodySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes, at most 63')
    .refine((name) => name !== BOOTSTRAP_NAME, `${BOOTSTRAP_NAME} is reserved`),
  role: z.enum(ADMIN_ROLES),
});

export interface CredentialStoreOptions {
  /** `FEDBROKER_ADMIN_TOKEN`: a full admin acting as `bootstrap`, held in memory only. */
  configured?: string;
  /** Where every write is recorded, in the write's transaction. */
  changes: ChangeLog;
  generate?: () => string;
}

/** A new credential: the secret is in this answer only, the store keeps its digest. */
export interface IssuedCredential extends CredentialView {
  credential: string;
}

/**
 * Admin bearer credentials: the configured bootstrap credential plus those stored (hashed) in
 * `admin_credentials`, read at every authentication so that a revocation holds at once on every
 * replica.
 */
export class CredentialStore {
  private readonly configured: Buffer | undefined;
  private readonly generate: () => string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CredentialStoreOptions,
  ) {
    this.configured = options.configured === undefined ? undefined : credentialDigest(options.configured);
    this.generate = options.generate ?? generateCredentialSecret;
  }

  /**
   * Who `presented` authenticates, or undefined. Every known digest is compared, each in constant
   * time, whichever matches.
   */
  async authenticate(presented: string): Promise<AdminPrincipal | undefined> {
    const candidate = credentialDigest(presented);
    // Plain SQL: every admin request runs it, and TypeORM's query builder costs more than the query.
    const rows = await this.dataSource.query<{ id: string; role: string; tokenSha256: string }[]>(
      'SELECT id, role, token_sha256 AS "tokenSha256" FROM admin_credentials',
    );
    let principal: AdminPrincipal | undefined;
    if (this.configured && timingSafeEqual(candidate, this.configured)) {
      principal = { actor: BOOTSTRAP_ACTOR, role: 'admin' };
    }
    for (const row of rows) {
      const known = Buffer.from(row.tokenSha256, 'hex');
      if (known.length === candidate.length && timingSafeEqual(candidate, known)) {
        principal ??= { actor: row.id, role: row.role as AdminRole };
      }
    }
    return principal;
  }

  async list(): Promise<CredentialView[]> {
    const rows = await this.repository().find({ order: { createdAt: 'ASC', name: 'ASC' } });
    return rows.map(credentialView);
  }

  async create(input: unknown, actor: string): Promise<IssuedCredential> {
    const parsed = credentialBodySchema.safeParse(input);
    if (!parsed.success) {
      throw new CredentialError(
        'validation_failed',
        'the credential is not valid',
        parsed.error.issues.map((issue) => ({
          field: issue.path.map(String).join('.') || '(body)',
          message: issue.message,
        })),
      );
    }
    const { name, role } = parsed.data;
    const secret = this.generate();
    try {
      const view = await this.dataSource.transaction((manager) =>
        this.insert(manager, { name, role, secret, actor }),
      );
      return { ...view, credential: secret };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new CredentialError(
          'conflict',
          `a credential named ${name} already exists`,
          [{ field: 'name', message: 'already taken' }],
          name,
        );
      }
      throw error;
    }
  }

  /**
   * Deletes the credential: from the commit on, it authenticates nothing. `precondition` runs once
   * the credential is found, before it goes (a request's `If-Match`, which a missing one precedes).
   */
  async revoke(id: string, actor: string, precondition: () => void = () => undefined): Promise<void> {
    if (!UUID.test(id)) throw new CredentialError('not_found', 'no credential has that id');
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(AdminCredentialEntity);
      const existing = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CredentialError('not_found', 'no credential has that id');
      precondition();
      await repository.delete({ id });
      await this.options.changes.record(manager, {
        actor,
        action: 'delete',
        resource: 'credential',
        name: existing.name,
        version: null,
        before: credentialView(existing),
        after: null,
      });
    });
  }

  /**
   * Without a configured credential and with no stored admin, stores a generated admin credential
   * named `bootstrap` and returns its secret (to be shown once); otherwise, or when another replica
   * did it first, undefined.
   */
  async ensureBootstrap(): Promise<string | undefined> {
    if (this.configured) return undefined;
    const secret = this.generate();
    return this.dataSource.transaction(async (manager) => {
      if (await manager.getRepository(AdminCredentialEntity).existsBy({ role: 'admin' })) return undefined;
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(AdminCredentialEntity)
        .values({
          name: BOOTSTRAP_NAME,
          role: 'admin',
          tokenSha256: credentialDigest(secret).toString('hex'),
        })
        .orIgnore()
        .returning('id')
        .execute();
      const [row] = inserted.raw as { id: string }[];
      if (!row) return undefined;
      await this.recordCreated(manager, row.id, BOOTSTRAP_ACTOR);
      return secret;
    });
  }

  private async insert(
    manager: EntityManager,
    values: { name: string; role: AdminRole; secret: string; actor: string },
  ): Promise<CredentialView> {
    const repository = manager.getRepository(AdminCredentialEntity);
    const saved = await repository.save(
      repository.create({
        name: values.name,
        role: values.role,
        tokenSha256: credentialDigest(values.secret).toString('hex'),
      }),
    );
    return this.recordCreated(manager, saved.id, values.actor);
  }

  private async recordCreated(manager: EntityManager, id: string, actor: string): Promise<CredentialView> {
    const view = credentialView(await manager.getRepository(AdminCredentialEntity).findOneByOrFail({ id }));
    await this.options.changes.record(manager, {
      actor,
      action: 'create',
      resource: 'credential',
      name: view.name,
      version: null,
      before: null,
      after: view,
    });
    return view;
  }

  private repository() {
    return this.dataSource.getRepository(AdminCredentialEntity);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: unknown } } | null)?.driverError?.code === UNIQUE_VIOLATION;
}
