import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import { findChromium } from '../support/chromium';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const chromiumPath = findChromium();
const clock = new TestClock();
const BROKER_AUDIENCE = 'https://broker.test/token';
const WORKLOAD = 'system:serviceaccount:payments:deployer';
/** A claim a workload controls, which the console must show as text, never as markup. */
const MARKUP = '<img src="x" onerror="document.title=\'pwned\'"><script>document.title=\'pwned\'</script>';
const DEPLOYER_IDENTITY = { subject: WORKLOAD, namespace: 'payments', serviceAccount: 'deployer' };
/** Set (`CONSOLE_SCREENSHOTS=1`) to write a screenshot of each page to docs/console. */
const screenshots = process.env.CONSOLE_SCREENSHOTS
  ? join(__dirname, '..', '..', 'docs', 'console')
  : undefined;

describe.skipIf(chromiumPath === undefined && !process.env.CI)(
  chromiumPath === undefined
    ? 'the admin console in Chromium — SKIPPED: no Chromium binary (apt-get install -y chromium, or set CHROMIUM_PATH)'
    : 'the admin console in Chromium',
  () => {
    let broker: Broker;
    let cluster: FakeKubernetesIssuer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let consoleUrl: string;
    /** Every URL the page requested, and the `Authorization` header of its admin API calls. */
    const requests: { url: string; authorization: string | undefined }[] = [];
    /** What the browser reported going wrong: script errors and refusals of the page's CSP. */
    const faults: string[] = [];
    let auditorId = '';

    const snap = async (name: string) => {
      if (!screenshots) return;
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    };

    const openConsole = async () => {
      page = await context.newPage();
      page.on('request', (request) => {
        requests.push({ url: request.url(), authorization: request.headers().authorization });
      });
      page.on('pageerror', (error) => faults.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        const text = message.text();
        if (/Content Security Policy|Trusted Type|Refused to/i.test(text)) faults.push(text);
      });
      await page.goto(consoleUrl);
    };

    const signIn = async (credential: string) => {
      await page.getByLabel('Admin or auditor credential').fill(credential);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Platforms');
    };

    /** The text of the element that has the focus. */
    const focusedText = () => page.locator(':focus').textContent();

    const section = (name: string) =>
      page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });

    beforeAll(async () => {
      cluster = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
      broker = await startBroker(
        {
          FEDBROKER_ALLOW_HTTP_ISSUERS: 'true',
          FEDBROKER_ADMIN_PORT: '0',
          FEDBROKER_ADMIN_HOST: '127.0.0.1',
        },
        clock,
      );
      consoleUrl = `${broker.adminUrl}/console`;
      browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
      context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(5_000);
      await openConsole();
    });

    afterAll(async () => {
      await browser?.close();
      await broker?.close();
      await cluster?.close();
    });

    it('signs in with an admin credential kept in sessionStorage, never in a URL or a cookie', async () => {
      await snap('sign-in');
      await page.getByLabel('Admin or auditor credential').fill('not-a-known-credential');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByText('The broker does not know this credential.').isVisible())
        .toBe(true);

      await signIn(ADMIN_TOKEN);
      await expect.poll(() => page.getByText('Signed in as admin (bootstrap)').isVisible()).toBe(true);
      expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toEqual([ADMIN_TOKEN]);
      expect(await context.cookies()).toEqual([]);
      expect(page.url()).not.toContain(ADMIN_TOKEN);
      expect(requests.filter((r) => r.url.includes(ADMIN_TOKEN))).toEqual([]);
      const apiCalls = requests.filter((r) => r.url.includes('/admin/v1/'));
      expect(apiCalls.length).toBeGreaterThan(0);
      expect(apiCalls.at(-1)?.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    });

    it('registers a platform and shows whether its keys can be fetched', async () => {
      await page.getByRole('link', { name: 'Add a platform' }).click();
      await page.getByLabel('Name', { exact: true }).fill('cluster');
      await page.getByLabel('Kind').selectOption('kubernetes');
      await page.getByLabel('Issuer', { exact: true }).fill(cluster.issuer);
      await page.getByLabel('OIDC discovery at the issuer').check();
      await snap('platform-new');
      await page.getByRole('button', { name: 'Register platform' }).click();

      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Platform cluster');
      await expect.poll(() => page.getByText('Keys OK: 1 key', { exact: true }).isVisible()).toBe(true);
      expect((await broker.admin('GET', '/admin/v1/platforms/cluster')).status).toBe(200);

      await section('Platforms').click();
      const row = page.getByRole('row', { name: /cluster/ });
      await expect.poll(() => row.getByRole('cell', { name: 'Keys OK: 1 key' }).isVisible()).toBe(true);
      await snap('platforms');
    });

    it('checks a policy as it is typed, shows each problem beside its expression, and saves it', async () => {
      await section('Policies').click();
      await page.getByRole('link', { name: 'New policy' }).click();
      await page.getByLabel('Name', { exact: true }).fill('payments-deployer');
      await page.getByLabel('Platform').selectOption('cluster');
      await page.getByLabel('Audiences').fill('https://api.payments.example');
      await page.getByLabel('Scopes').fill('payments.read payments.write');
      const condition = page.getByLabel('Condition (CEL)');
      await condition.fill("identity.namespce == 'payments'");

      await expect.poll(() => condition.getAttribute('aria-invalid')).toBe('true');
      const described = (await condition.getAttribute('aria-describedby')) ?? '';
      const error = page.locator(`[id="${described.split(' ').at(-1)}"]`);
      await expect.poll(() => error.textContent()).toContain('namespce');
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'problem' }).isVisible()).toBe(true);
      await snap('policy-problem');
      expect(await (await broker.admin('GET', '/admin/v1/policies')).json()).toEqual({ items: [] });

      await condition.fill("identity.namespace == 'payments' && identity.serviceAccount == 'deployer'");
      await page.getByRole('button', { name: 'Add a claim' }).click();
      await page.getByLabel('Claim 1 name').fill('ns');
      await page.getByLabel('Claim 1 expression (CEL)').fill('identity.namespace');
      await expect
        .poll(() => page.getByText(/^Compiles: the broker would accept this policy/).isVisible())
        .toBe(true);
      expect(await condition.getAttribute('aria-invalid')).toBeNull();
      expect(await page.getByText(/^Warning \(condition\): reads identity\.namespace/).isVisible()).toBe(
        true,
      );

      await page.getByRole('button', { name: 'Create policy' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Policy payments-deployer');
      const saved = (await (
        await broker.admin('GET', '/admin/v1/policies/payments-deployer')
      ).json()) as object;
      expect(saved).toMatchObject({
        platform: 'cluster',
        audiences: ['https://api.payments.example'],
        scopes: ['payments.read', 'payments.write'],
        claims: { ns: 'identity.namespace' },
      });
      await snap('policy-editor');
    });

    it("checks the policy's tests as they are written, and runs the saved ones", async () => {
      const tests = page.getByLabel('Tests (JSON, optional)');
      const stranger = { subject: 'system:serviceaccount:payments:stranger', namespace: 'payments' };
      const written = (serviceAccount: string) =>
        JSON.stringify([
          { name: 'the deployer', identity: { ...DEPLOYER_IDENTITY }, expect: 'match' },
          { name: 'a stranger', identity: { ...stranger, serviceAccount }, expect: 'no_match' },
        ]);
      await tests.fill('[{"name": ');
      await expect.poll(() => tests.getAttribute('aria-invalid')).toBe('true');
      await tests.fill(written('deployer'));
      const problem = page.locator(`[id="${(await tests.getAttribute('id')) ?? ''}-error"]`);
      await expect
        .poll(() => problem.textContent())
        .toMatch(/tests\.1: a stranger: expected no_match, got match/);

      await tests.fill(written('stranger'));
      await expect.poll(() => tests.getAttribute('aria-invalid')).toBeNull();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => focusedText()).toBe('Policy payments-deployer');
      await page.getByRole('button', { name: 'Run the tests' }).click();
      await expect.poll(() => page.getByText('All 2 tests passed.').isVisible()).toBe(true);
      const results = page.getByRole('table', { name: 'Test results' });
      expect(await results.getByRole('row', { name: /a stranger Passed no_match/ }).isVisible()).toBe(true);
      await snap('policy-tests');
    });

    it("explains a token: each step, the identity and every policy's verdict", async () => {
      const other = await broker.admin('POST', '/admin/v1/policies', {
        name: 'other-team',
        platform: 'cluster',
        condition: "identity.namespace == 'other'",
        audiences: ['https://api.other.example'],
      });
      expect(other.status).toBe(201);
      const token = await cluster.mint({
        namespace: 'payments',
        serviceAccount: 'deployer',
        note: MARKUP,
      });

      await section('Explain').click();
      await page.getByLabel('Credential (JWT)').fill(token);
      await page.getByRole('button', { name: 'Explain' }).click();

      await expect.poll(() => page.getByText('Would issue a token').isVisible()).toBe(true);
      expect(await page.getByText('under policy payments-deployer.').isVisible()).toBe(true);
      expect(await page.getByRole('listitem').filter({ hasText: 'Passed: verify' }).isVisible()).toBe(true);
      const identity = page.getByRole('table', { name: 'The normalized identity (CEL identity)' });
      expect(await identity.getByRole('row', { name: 'namespace payments' }).isVisible()).toBe(true);
      const verdicts = page.getByRole('table', { name: /Every policy of the platform/ });
      expect(
        await verdicts.getByRole('row', { name: /^2 payments-deployer 0 Enforce Matched/ }).isVisible(),
      ).toBe(true);
      expect(
        await verdicts
          .getByRole('row', { name: /^1 other-team 0 Enforce Not matched condition is false/ })
          .isVisible(),
      ).toBe(true);
      const presented = page.getByRole('group').filter({ hasText: 'The credential as presented' });
      await presented.getByText('The credential as presented').click();
      expect(await presented.locator('pre').textContent()).toContain(MARKUP.replaceAll('"', '\\"'));
      expect(await page.locator('main img, main script').count()).toBe(0);
      await presented.getByText('The credential as presented').click();
      await snap('explain');
      const audited = (await (await broker.admin('GET', '/admin/v1/audit-events')).json()) as {
        items: unknown[];
      };
      expect(audited.items).toEqual([]);
    });

    it("explains a refusal: the failing check beside the credential it read, and each condition's false part", async () => {
      await page.getByLabel('Credential (JWT)').fill(
        await cluster.mint({
          namespace: 'payments',
          serviceAccount: 'deployer',
          lifetimeSeconds: 60,
          now: new Date(clock.now().getTime() - 600_000),
        }),
      );
      await page.getByRole('button', { name: 'Explain' }).click();
      await expect.poll(() => page.getByText('Would refuse').isVisible()).toBe(true);
      const failed = page.getByRole('listitem').filter({ hasText: 'Failed: verify' });
      expect(await failed.textContent()).toContain('(check: expired)');
      await failed.getByText('The credential the verify step read').click();
      expect(await failed.getByText('"namespace": "payments"').isVisible()).toBe(true);

      await page
        .getByLabel('Credential (JWT)')
        .fill(await cluster.mint({ namespace: 'payments', serviceAccount: 'intruder' }));
      await page.getByRole('button', { name: 'Explain' }).click();
      const verdicts = page.getByRole('table', { name: /Every policy of the platform/ });
      const deployer = verdicts.getByRole('row', { name: /payments-deployer/ });
      await expect
        .poll(() => deployer.textContent())
        .toMatch(/false at part 2 of 2: identity\.serviceAccount == .deployer./);
      expect(await page.getByText('Would refuse').isVisible()).toBe(true);
      await snap('explain-refusal');
    });

    it("follows the audit trail live and finds the token's event", async () => {
      await section('Audit').click();
      await expect.poll(() => page.getByText('No event matches.').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Live tail' }).click();
      expect(await page.getByRole('button', { name: 'Live tail' }).getAttribute('aria-pressed')).toBe('true');

      const issued = await broker.token({
        grant_type: JWT_BEARER,
        assertion: await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' }),
      });
      expect(issued.status).toBe(200);
      const denied = await broker.token({
        grant_type: JWT_BEARER,
        assertion: await cluster.mint({ namespace: 'payments', serviceAccount: 'intruder' }),
      });
      expect(denied.status).toBe(400);

      const events = page.getByRole('table', { name: 'Audit events' });
      const issuedRow = events.getByRole('row', {
        name: new RegExp(`issued cluster ${WORKLOAD} payments-deployer`),
      });
      await expect.poll(() => issuedRow.isVisible(), { timeout: 10_000 }).toBe(true);
      await expect
        .poll(() =>
          events
            .getByRole('row', { name: /denied cluster system:serviceaccount:payments:intruder/ })
            .isVisible(),
        )
        .toBe(true);

      await issuedRow.getByRole('button', { name: 'Details' }).click();
      const requestId = issued.headers.get('x-request-id') ?? '';
      expect(await events.getByText(requestId).isVisible()).toBe(true);
      await snap('audit');

      await page.getByLabel('Outcome').selectOption('denied');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => page.getByText('Showing 1 event, newest first.').isVisible()).toBe(true);
      expect(await issuedRow.isVisible()).toBe(false);

      const { access_token: accessToken } = (await issued.json()) as { access_token: string };
      const { jti } = decodeJwt(accessToken);
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByLabel('Issued token ID').fill(jti ?? '');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => page.getByText('Showing 1 event, newest first.').isVisible()).toBe(true);
      expect(await issuedRow.isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Live tail' }).click();
    });

    it('shows an auditor no write controls', async () => {
      const created = await broker.admin('POST', '/admin/v1/credentials', {
        name: 'reader',
        role: 'auditor',
      });
      const { credential, id } = (await created.json()) as { credential: string; id: string };
      auditorId = id;
      await page.getByRole('button', { name: 'Sign out' }).click();
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      await signIn(credential);
      await expect.poll(() => page.getByText(/Signed in as auditor/).isVisible()).toBe(true);

      expect(await page.getByRole('link', { name: 'Add a platform' }).count()).toBe(0);
      await page.getByRole('link', { name: 'cluster' }).click();
      await expect.poll(() => page.getByText('Keys OK: 1 key', { exact: true }).isVisible()).toBe(true);
      expect(await page.getByLabel('Definition (JSON)').getAttribute('readonly')).not.toBeNull();
      expect(await page.getByRole('button', { name: /Save|Delete/ }).count()).toBe(0);

      await section('Policies').click();
      await expect.poll(() => page.getByRole('link', { name: 'payments-deployer' }).isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'New policy' }).count()).toBe(0);
      await page.getByRole('link', { name: 'payments-deployer' }).click();
      await expect
        .poll(() => page.getByText(/^Compiles: the broker would accept this policy/).isVisible())
        .toBe(true);
      expect(await page.getByLabel('Condition (CEL)').getAttribute('readonly')).not.toBeNull();
      expect(await page.getByRole('button', { name: /Save|Create|Delete|Add a claim|Remove/ }).count()).toBe(
        0,
      );
      await snap('policy-auditor');
    });

    it('asks for a credential again, on the same page, once the broker stops accepting it', async () => {
      expect((await broker.admin('DELETE', `/admin/v1/credentials/${auditorId}`)).status).toBe(204);
      await section('Audit').click();
      await expect
        .poll(() =>
          page.getByText('The broker no longer accepts this credential. Sign in again.').isVisible(),
        )
        .toBe(true);
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      expect(new URL(page.url()).hash).toBe('#/audit');
      expect(await page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(false);
    });

    it('is usable with the keyboard alone, with a visible focus', async () => {
      await openConsole();
      await expect.poll(() => focusedText()).toBe('Sign in');
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').getAttribute('name')).toBe('credential');
      await page.keyboard.type(ADMIN_TOKEN);
      await page.keyboard.press('Enter');
      await expect.poll(() => focusedText()).toBe('Platforms');

      const backwards: string[] = [];
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press('Shift+Tab');
        backwards.push((await focusedText()) ?? '');
      }
      expect(backwards).toEqual(['Sign out', 'Audit', 'Explain', 'Policies', 'Platforms']);
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
      expect(await focusedText()).toBe('Audit');
      const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
      expect(outline).not.toBe('none');
      await page.keyboard.press('Enter');
      await expect.poll(() => focusedText()).toBe('Audit trail');
    });

    it('ran without a script error or a refusal of its Content-Security-Policy', () => {
      expect(faults).toEqual([]);
    });
  },
);
