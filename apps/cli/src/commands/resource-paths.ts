import type { CliContext } from '../cli-context';

export type ResourceKind = 'platform' | 'policy';

const COLLECTION: Record<ResourceKind, string> = {
  platform: '/admin/v1/platforms',
  policy: '/admin/v1/policies',
};

/** The admin path of a collection, or of one resource in it. */
export function pathOf(kind: ResourceKind, name?: string): string {
  return name === undefined ? COLLECTION[kind] : `${COLLECTION[kind]}/${encodeURIComponent(name)}`;
}

/** Deletes a resource by name, with the `If-Match` of the version just read. */
export async function deleteByName(ctx: CliContext, kind: ResourceKind, name: string): Promise<void> {
  const client = ctx.client();
  const read = await client.call('GET', pathOf(kind, name));
  const etag = read.headers.get('etag') ?? '*';
  await client.call('DELETE', pathOf(kind, name), { headers: { 'if-match': etag } });
}
