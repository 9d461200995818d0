import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAdapters } from './default-adapters';
import { COMMON_IDENTITY_FIELDS } from './identity-fields';
import type { PlatformRegistration } from './platform-config';

const adapters = defaultAdapters();

const TENANT = '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03';
const SUBSCRIPTION = '7d3e1a9c-5b2f-4c8d-a1e6-9f0b2c3d4e5a';
const attestedFixture = JSON.parse(
  readFileSync(join(__dirname, '../../../test/fixtures/real/azure-imds-attested-2021.json'), 'utf8'),
) as { certificates: string[] };
const ANCHORS = [attestedFixture.certificates[0] ?? ''];

function platform(overrides: Partial<PlatformRegistration>): PlatformRegistration {
  return {
    name: 'p',
    kind: 'kubernetes',
    issuer: 'https://issuer.example',
    audiences: ['https://broker.test/token'],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    ...overrides,
  };
}

describe('identity pins of every kind', () => {
  it.each(adapters.map((adapter) => [adapter.kind, adapter] as const))(
    '%s declares only fields its identity has, each once',
    (_kind, adapter) => {
      const { immutableFields, mutableNames, tenantFields } = adapter.identityPins;
      const known = new Set([...Object.keys(COMMON_IDENTITY_FIELDS), ...Object.keys(adapter.identityFields)]);
      for (const field of [...immutableFields, ...mutableNames, ...tenantFields])
        expect(known).toContain(field);
      expect(immutableFields.filter((field) => mutableNames.includes(field))).toEqual([]);
      expect(tenantFields.filter((field) => !immutableFields.includes(field))).toEqual([]);
    },
  );

  it.each(adapters.map((adapter) => [adapter.kind, adapter] as const))(
    "%s's page names every immutable field and tenant field it declares",
    (kind, adapter) => {
      const page = readFileSync(join(__dirname, '../../../docs/platforms', `${kind}.md`), 'utf8');
      const section = page.slice(page.indexOf('## Policy guard rails'));
      expect(section).toMatch(/^## Policy guard rails/);
      const { immutableFields, mutableNames, tenantFields } = adapter.identityPins;
      for (const field of [...immutableFields, ...mutableNames, ...tenantFields]) {
        expect(section).toContain(`\`${field}\``);
      }
    },
  );

  it.each([
    ['github-actions', 'https://token.actions.githubusercontent.com', {}, true],
    ['github-actions', 'https://token.actions.githubusercontent.com/octo-enterprise', {}, false],
    ['github-actions', 'https://github.example/_services/token', {}, false],
    ['gitlab', 'https://gitlab.com', {}, true],
    ['gitlab', 'https://gitlab.example', {}, false],
    ['gcp', 'https://accounts.google.com', {}, true],
    ['kubernetes', 'https://kubernetes.default.svc.cluster.local', {}, false],
    ['aws', 'aws:111122223333', { accountId: '111122223333' }, false],
    ['azure', `https://sts.windows.net/${TENANT}/`, { tenantId: TENANT }, false],
    [
      'azure',
      `https://sts.windows.net/${TENANT}/`,
      { tenantId: TENANT, attestedDocuments: { trustAnchors: ANCHORS, subscriptionIds: [SUBSCRIPTION] } },
      false,
    ],
    [
      'azure',
      `https://sts.windows.net/${TENANT}/`,
      { tenantId: TENANT, attestedDocuments: { trustAnchors: ANCHORS } },
      true,
    ],
  ] as const)(
    '%s with issuer %s and settings %j is a shared issuer: %s',
    (kind, issuer, settings, shared) => {
      const adapter = adapters.find((candidate) => candidate.kind === kind);
      const reason = adapter?.identityPins.sharedIssuer(platform({ kind, issuer, settings }));
      expect(reason !== undefined).toBe(shared);
    },
  );
});
