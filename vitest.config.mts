import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const libs = readdirSync(fileURLToPath(new URL('./libs', import.meta.url)));

export default defineConfig({
  resolve: {
    alias: Object.fromEntries(
      libs.map((lib) => [
        `@fedbroker/${lib}`,
        fileURLToPath(new URL(`./libs/${lib}/src/index.ts`, import.meta.url)),
      ]),
    ),
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
