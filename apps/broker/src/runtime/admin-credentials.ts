import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AdminCredentialEntity } from '@fedbroker/persistence';

const BOOTSTRAP = 'bootstrap';

function digest(credential: string): Buffer {
  return createHash('sha256').update(credential).digest();
}

/**
 * Admin bearer credentials: the configured bootstrap credential, or else the stored ones, one being
 * generated (and stored hashed) on the first start that finds none. Comparison is over SHA-256
 * digests, in constant time.
 */
export class AdminCredentials {
  private constructor(private readonly digests: readonly Buffer[]) {}

  static async load(
    dataSource: DataSource,
    configured: string | undefined,
    generate: () => string,
  ): Promise<{ credentials: AdminCredentials; generated?: string }> {
    if (configured !== undefined) return { credentials: new AdminCredentials([digest(configured)]) };
    const repository = dataSource.getRepository(AdminCredentialEntity);
    const stored = async (): Promise<Buffer[]> =>
      (await repository.find({ select: { tokenSha256: true } })).map((row) =>
        Buffer.from(row.tokenSha256, 'hex'),
      );
    const existing = await stored();
    if (existing.length > 0) return { credentials: new AdminCredentials(existing) };
    const generated = generate();
    const inserted = await repository
      .createQueryBuilder()
      .insert()
      .values({ name: BOOTSTRAP, role: 'admin', tokenSha256: digest(generated).toString('hex') })
      .orIgnore()
      .returning('id')
      .execute();
    const raced = (inserted.raw as unknown[]).length === 0;
    if (raced) return { credentials: new AdminCredentials(await stored()) };
    return { credentials: new AdminCredentials([digest(generated)]), generated };
  }

  verify(presented: string): boolean {
    const candidate = digest(presented);
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(candidate, known) || ok;
    return ok;
  }
}
