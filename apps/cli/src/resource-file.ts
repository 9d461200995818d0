import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { isJson, type Json } from './admin-client';
import type { CliIo } from './cli-command';
import { CliError } from './cli-error';

/** Platforms and policies read from a file, in the shape of `POST /admin/v1/apply`. */
export interface ResourceBundle {
  platforms: Json[];
  policies: Json[];
}

/**
 * Reads a YAML or JSON file (`-`: standard input) of platforms and policies: one resource, a list
 * of them, or `{"platforms": [...], "policies": [...]}`, in one or several YAML documents. A
 * resource with a `condition` is a policy, one with a `kind` a platform.
 */
export async function readResources(path: string, io: CliIo): Promise<ResourceBundle> {
  const text = await readText(path, io);
  const bundle: ResourceBundle = { platforms: [], policies: [] };
  const documents = parseAllDocuments(text);
  for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    if (document.errors.length > 0) {
      throw new CliError(`${path}: not valid YAML or JSON: ${document.errors[0]?.message ?? ''}`.trim());
    }
    collect(document.toJS() as unknown, bundle, `${path}, document ${index + 1}`);
  }
  if (bundle.platforms.length + bundle.policies.length === 0) {
    throw new CliError(`${path}: holds no platform and no policy`);
  }
  return bundle;
}

/** The text of `path`, or of standard input for `-`. */
export async function readText(path: string, io: CliIo): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function collect(value: unknown, bundle: ResourceBundle, where: string, as?: keyof ResourceBundle): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => collect(item, bundle, `${where}, item ${i + 1}`, as));
    return;
  }
  if (!isJson(value)) throw new CliError(`${where}: is not a platform, a policy or a list of them`);
  if (as === undefined && value.name === undefined && ('platforms' in value || 'policies' in value)) {
    collect(value.platforms, bundle, `${where}, platforms`, 'platforms');
    collect(value.policies, bundle, `${where}, policies`, 'policies');
    return;
  }
  if (typeof value.name !== 'string') throw new CliError(`${where}: a resource needs a name`);
  const kind = as ?? ('condition' in value ? 'policies' : 'kind' in value ? 'platforms' : undefined);
  if (kind === undefined) {
    throw new CliError(`${where}: ${value.name} is neither a policy (condition) nor a platform (kind)`);
  }
  bundle[kind].push(value);
}
