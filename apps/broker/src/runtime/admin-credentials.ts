import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AdminCredentialEntity } from '@fedbroker/persistence';

const BOOTSTRAP = 'bootstrap';

function digest(credential: string): Buffer {
  return createHash('sha256').update(credential).digest();
}

/**
 * Admin bearer credentials: the configured bootstrap credential, or in embedded mode one generated
 * on first start and stored hashed. Comparison is over SHA-256 digests, in constant time.
 */
export class AdminCredentials {
  private constructor(private readonly digests: readonly Buffer[]) {}

  static async load(
    dataSource: DataSource,
    configured: string | undefined,
    generate: (() => string) | undefined,
  ): Promise<{ credentials: AdminCredentials; generated?: string }> {
    if (configured !== undefined) return { credentials: new AdminCredentials([digest(configured)]) };
    const repository = dataSource.getRepository(AdminCredentialEntity);
    const stored = await repository.find({ select: { tokenSha256: true } });
    if (stored.length > 0 || !generate) {
      return { credentials: new AdminCredentials(stored.map((row) => Buffer.from(row.tokenSha256, 'hex'))) };
    }
    const generated = generate();
    await repository.insert({
      name: BOOTSTRAP,
      role: 'admin',
      tokenSha256: digest(generated).toString('hex'),
    });
    return { credentials: new AdminCredentials([digest(generated)]), generated };
  }

  verify(presented: string): boolean {
    const candidate = digest(presented);
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(candidate, known) || ok;
    return ok;
  }
}
