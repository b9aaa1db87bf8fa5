import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { apiClient } from '../support/http';
import { eventually, startHarness, type Harness } from '../support/harness';

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
const DASHBOARD = path.join(ROOT, 'dist', 'dashboard');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

/**
 * The coordinator page in a real headless Chromium, served by the API from dist/dashboard, on
 * real Temporal and PostgreSQL: a new review appears with its agency's progress, an analyst
 * records a finding through the inbox form, and the progress changes on the page by itself.
 */
describe('dashboard in a browser', () => {
  let h: Harness;
  let url: string;
  let context: BrowserContext;
  let profile: string;
  const protocol = ProtocolFactory.singleStep().build();
  const agency = protocol.workstreams[0].agency;
  // An agency lead: records findings and acknowledges escalations for the agency.
  const analyst = `lead@${agency}.example.gov`;
  const leadToken = tokenFor('agency-lead', { agency, sub: analyst });
  const api = apiClient(() => url);

  const post = async (p: string, body: unknown) => {
    const res = await api.post(p, body);
    if (!res.ok) throw new Error(`POST ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; escalations: { id: string; status: string }[] };
  };

  /** A review on the test protocol whose step has opened. */
  const openReview = async (modelName: string) => {
    const { id } = await post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, modelName }),
    );
    await eventually(async () => {
      const r = (await (await api.get(`/reviews/${id}`)).json()) as {
        workstreams: { steps: { status: string }[] }[];
      };
      return r.workstreams[0].steps[0].status === 'open' ? true : undefined;
    }, 'the step to open');
    return id;
  };

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  const progressOf = (page: Page, scope: string) =>
    page
      .locator(scope)
      .getByRole('progressbar', { name: `${agency} progress` })
      .getAttribute('aria-valuenow', { timeout: 10_000 });

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
      );
    }
    // The API serves dist/dashboard only if it exists when the app is created: build it first.
    if (!fs.existsSync(path.join(DASHBOARD, 'index.html'))) {
      // Jest sets NODE_ENV=test, which would make Vite bundle React's development build.
      execFileSync('npm', ['run', '--silent', 'build:dashboard'], {
        cwd: ROOT,
        stdio: 'pipe',
        env: { ...process.env, NODE_ENV: 'production' },
      });
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'review-engine-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1400, height: 900 },
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await h?.close();
  });

  it('is served by the API under /dashboard/', async () => {
    const index = await fetch(`${url}/dashboard/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const bare = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/dashboard/');
    expect((await fetch(`${url}/dashboard/assets/missing.js`)).status).toBe(404);
  });

  it('records a finding from the inbox form and shows the progress change live', async () => {
    const modelName = `dash-${uniq()}`;
    const reviewId = await openReview(modelName);

    const list = context.pages()[0] ?? (await context.newPage());
    await list.goto(`${url}/dashboard/`);
    await list.getByRole('heading', { name: 'Reviews', exact: true }).waitFor();
    // Keyboard users land on the skip link first.
    await list.keyboard.press('Tab');
    expect(await list.evaluate('document.activeElement?.textContent')).toBe('Skip to content');

    // Who we act as comes from the pasted token; Enter submits the form.
    await list.getByLabel('Token', { exact: true }).fill(await leadToken);
    await list.getByLabel('Token', { exact: true }).press('Enter');
    await list
      .getByRole('status')
      .filter({ hasText: `Acting as ${analyst} (agency-lead, ${agency})` })
      .waitFor();

    // Any status, so the row stays once the review closes.
    await list.getByLabel('Status').selectOption('');
    await list.getByLabel('Model or developer').fill(modelName);
    await list.getByLabel('Model or developer').press('Enter');
    const row = `tr[data-review-id="${reviewId}"]`;
    await list.locator(row).waitFor({ timeout: 10_000 });
    expect(await list.locator(row).getByRole('link').textContent()).toContain(modelName);
    expect(await progressOf(list, row)).toBe('0');
    await shot(list, 'dashboard-list');

    // The analyst's inbox in a second tab: the nav link opens the acting agency's inbox.
    const inbox = await context.newPage();
    await inbox.goto(`${url}/dashboard/`);
    await inbox.getByRole('link', { name: 'Agency inbox' }).click();
    await inbox.getByRole('heading', { name: `Agency inbox: ${agency}` }).waitFor();
    const item = inbox.locator(`tr[data-review-id="${reviewId}"]`);
    await item.waitFor({ timeout: 10_000 });
    await item.getByRole('button', { name: /Record finding/ }).click();
    await inbox.getByLabel('Risk level').selectOption('alert');
    await inbox.getByLabel('Summary').fill('Moderate uplift on web exploitation tasks');
    await shot(inbox, 'dashboard-inbox-form');
    await inbox.getByLabel('Summary').press('Enter');
    await inbox.getByText(`Finding recorded for Manual review on ${modelName}.`).waitFor();
    await item.waitFor({ state: 'detached', timeout: 10_000 });
    await shot(inbox, 'dashboard-inbox');

    // The list tab was not reloaded: polling brings the new progress.
    await eventually(
      async () => ((await progressOf(list, row)) === '100' ? true : undefined),
      'the progress bar to reach 100%',
      15_000,
    );

    // The review page: the agency × step matrix and the timeline.
    await list.locator(row).getByRole('link').click();
    await list.getByRole('heading', { name: 'Agencies and steps' }).waitFor();
    const cell = list.locator(`tr[data-agency="${agency}"] td[data-step="review"]`);
    expect(await cell.textContent()).toContain('done');
    expect(await cell.textContent()).toContain('risk: alert');
    expect(await progressOf(list, 'table.matrix')).toBe('100');
    await list.getByLabel(/Show every event/).check();
    await list.getByText('step done', { exact: true }).waitFor();
    await shot(list, 'dashboard-review');

    const stored = (await (await api.get(`/reviews/${reviewId}`)).json()) as {
      status: string;
      timeline: { type: string; actor: string }[];
    };
    expect(stored.status).toBe('closed');
    expect(stored.timeline.find((e) => e.type === 'step_done')?.actor).toBe(analyst);
  });

  it('acknowledges an escalation from the queue', async () => {
    const reviewId = await openReview(`dash-esc-${uniq()}`);
    const raised = await post(`/reviews/${reviewId}/escalations`, {
      subject: `No enclave access ${uniq()}`,
      reason: 'Blocked for two days',
    });
    const escalationId = raised.escalations[0].id;

    // The escalation queue is the coordinator's.
    const coordinator = 'coordinator@example.gov';
    const page = await context.newPage();
    await page.goto(`${url}/dashboard/#/escalations`);
    await page.getByLabel('Token', { exact: true }).fill(await tokenFor('coordinator'));
    await page.getByLabel('Token', { exact: true }).press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: `Acting as ${coordinator}` })
      .waitFor();
    await page.getByLabel('Trigger').selectOption('manual');
    const row = page.locator(
      `tr[data-review-id="${reviewId}"][data-escalation-id="${escalationId}"]`,
    );
    await row.waitFor({ timeout: 10_000 });
    await shot(page, 'dashboard-escalations');
    await row.getByRole('button', { name: /^Acknowledge/ }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });

    const detail = (await (await api.get(`/reviews/${reviewId}`)).json()) as {
      escalations: { id: string; status: string; acknowledgedBy?: string }[];
    };
    expect(detail.escalations.find((e) => e.id === escalationId)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: coordinator,
    });
    await post(`/reviews/${reviewId}/withdraw`, {
      reason: 'cleanup',
    });
  });
});
