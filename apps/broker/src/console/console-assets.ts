import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** One file of the console, held in memory. */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The files served, by extension; anything else in the directory is not. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the console's files live, from the repository (or image) root. */
const CONSOLE_DIRECTORY = join('apps', 'console', 'public');

/**
 * The admin console's static files (`apps/console/public`), read once: a flat directory of HTML,
 * JavaScript modules and CSS, served as they are. Only names found there are served, so a request
 * can never reach another file.
 */
export class ConsoleAssets {
  private constructor(private readonly files: ReadonlyMap<string, ConsoleAsset>) {}

  /** The files of `directory`; none when it does not exist. */
  static fromDirectory(directory: string): ConsoleAssets {
    const files = new Map<string, ConsoleAsset>();
    if (!existsSync(directory)) return new ConsoleAssets(files);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || contentType === undefined) continue;
      const body = readFileSync(join(directory, entry.name));
      const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27);
      files.set(entry.name, { body, contentType, etag: `"${digest}"` });
    }
    return new ConsoleAssets(files);
  }

  /**
   * The console shipped with this broker: the nearest `apps/console/public` above this module (the
   * repository's from the sources and from `dist/` alike), else above the working directory, for a
   * module run where `__dirname` does not exist (an ES module runner).
   */
  static shipped(): ConsoleAssets {
    const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()];
    for (const start of starts) {
      const directory = start === undefined ? undefined : consoleAbove(start);
      if (directory !== undefined) return ConsoleAssets.fromDirectory(directory);
    }
    return new ConsoleAssets(new Map());
  }

  get(name: string): ConsoleAsset | undefined {
    return this.files.get(name);
  }
}

function consoleAbove(start: string): string | undefined {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, CONSOLE_DIRECTORY);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
