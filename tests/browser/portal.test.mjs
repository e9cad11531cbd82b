// The portal in a real browser (Debian's Chromium, headless, driven by playwright-core), against
// `skein serve` on the example organisation while `skein run` moves its campaign:
//   - signing in with the operator token, the campaign appears and its progress changes on the open
//     page without a reload (server-sent events);
//   - approving a consumer that waits for an approval moves it on; resuming a paused campaign;
//   - a migrated consumer's diff shows, coloured line by line, with its verifiers;
//   - a consumer whose catalog title is `<script>alert(1)</script>` shows that text as text, and
//     no dialog ever opens (any dialog fails the test), nor a page error or CSP violation;
//   - a viewer sees no action button; the dataset's lineage graph colours consumers by state.
// Screenshots of each step go to $SKEIN_BROWSER_OUT.
//
// Run by ctest as browser.Portal (tests/browser/CMakeLists.txt), which sets SKEIN_BIN (the skein
// binary), SKEIN_BUILD_DIR (for the example's sample-data tool) and SKEIN_BROWSER_OUT.
// Needs /usr/bin/chromium (or $SKEIN_CHROMIUM) and `npm ci` here: scripts/setup does both.
// For front-end work: SKEIN_BROWSER_ASSETS=src/server/assets serves the dashboard's files from
// there (with the server's own headers, its Content-Security-Policy included) instead of the copies
// compiled into skein, so a change shows without a rebuild; SKEIN_BROWSER_KEEP=1 keeps the
// scratch organisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const SETUP = 'run scripts/setup: it installs Debian\'s chromium and runs npm ci in tests/browser';
const XSS = '<script>alert(1)</script>';
const MANIFEST = 'migrations/user-profile-v2.yaml';
const CAMPAIGN = 'user-profile-v2';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (ctest sets it: tests/browser/CMakeLists.txt)`);
  return value;
}

// playwright-core from tests/browser/node_modules, at the version package.json pins.
async function loadPlaywright() {
  const pinned = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8')).devDependencies['playwright-core'];
  const installed = path.join(here, 'node_modules', 'playwright-core', 'package.json');
  if (!fs.existsSync(installed)) throw new Error(`playwright-core is not installed in ${here}/node_modules: ${SETUP}`);
  const version = JSON.parse(fs.readFileSync(installed, 'utf8')).version;
  if (version !== pinned) {
    throw new Error(`tests/browser/node_modules has playwright-core ${version}, package.json pins ${pinned}: ${SETUP}`);
  }
  return import('playwright-core');
}

function chromiumPath() {
  const file = process.env.SKEIN_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(file)) throw new Error(`no Chromium at ${file}: ${SETUP}`);
  return file;
}

// ---------------------------------------------------------------- the example organisation

// A scratch copy of examples/ (examples/setup-workspace) with one more consumer: a tier-1 copy of
// daily-active-users whose catalog title is the <script> text (Backstage names and owner refs
// cannot hold it; the title can, and the job panel shows it).
function layOutOrganisation(work, buildDir) {
  const org = path.join(work, 'org');
  execFileSync(path.join(root, 'examples', 'setup-workspace'), [org, buildDir], { stdio: 'pipe' });
  const repo = path.join(org, 'repos', 'browser-check');
  fs.cpSync(path.join(root, 'examples', 'repos', 'daily-active-users'), repo, { recursive: true });
  const git = (...args) => execFileSync('git', args, {
    cwd: repo,
    stdio: 'pipe',
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
  });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Acme Data', '-c', 'user.email=data@acme.example', '-c', 'commit.gpgsign=false',
    'commit', '-q', '-m', 'Initial import of browser-check');
  fs.writeFileSync(path.join(org, 'catalog', 'browser-check.yaml'), `# Added by tests/browser: a title that must stay text.
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: browser-check
  title: "${XSS}"
  description: A copy of daily-active-users whose title is markup.
  annotations:
    skein.dev/repo: repos/browser-check
    skein.dev/framework: sql
  tags: [tier-1, sql]
spec:
  type: data-pipeline
  owner: group:default/growth
  lifecycle: production
  dependsOn: ["resource:default/user-profile-v1"]
`);
  return org;
}

function skein(bin, org, args) {
  return execFileSync(bin, args, { cwd: org, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A background `skein ...`; `done` resolves to {code, out, err} when it exits.
function startSkein(bin, org, args) {
  const child = spawn(bin, args, { cwd: org, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done, text: () => out + err };
}

async function waitFor(what, check, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runToTheEnd(run, timeoutMs = 300000) {
  let timer;
  const result = await Promise.race([
    run.done,
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (!result) {
    run.child.kill('SIGTERM');
    throw new Error(`skein run did not end within ${timeoutMs} ms:\n${run.text()}`);
  }
  return result;
}

// ---------------------------------------------------------------- the files themselves

// The dashboard builds its DOM from text: no HTML parsing of data, no eval, nothing inline that
// the server's Content-Security-Policy (default-src 'self') would block.
test('the dashboard\'s files keep to text-only DOM and a strict CSP', () => {
  const assets = path.join(root, 'src', 'server', 'assets');
  const code = fs.readFileSync(path.join(assets, 'app.js'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const banned of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /\beval\s*\(/, /new\s+Function\b/,
    /document\.write/, /\.srcdoc\b/, /createContextualFragment/, /DOMParser/]) {
    assert.doesNotMatch(code, banned, `app.js uses ${banned}`);
  }
  const html = fs.readFileSync(path.join(assets, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(html, /<style/i, 'no inline style element');
  assert.doesNotMatch(html, /\sstyle=/i, 'no style attribute');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
  assert.doesNotMatch(html, /(src|href)="(?!\/assets\/|#)/i, 'only /assets/ files and in-page links');
});

// ---------------------------------------------------------------- the scenario

test('the portal shows a running campaign live, approves, shows diffs and keeps markup as text', { timeout: 900000 }, async (t) => {
  const bin = required('SKEIN_BIN');
  const out = required('SKEIN_BROWSER_OUT');
  const buildDir = process.env.SKEIN_BUILD_DIR || path.dirname(bin);
  const executablePath = chromiumPath();
  const { chromium } = await loadPlaywright();
  fs.mkdirSync(out, { recursive: true });
  for (const old of fs.readdirSync(out)) if (old.endsWith('.png')) fs.rmSync(path.join(out, old));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skein-browser-'));
  const cleanups = [];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    if (!process.env.SKEIN_BROWSER_KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  const org = layOutOrganisation(work, buildDir);
  skein(bin, org, ['catalog', 'import', 'catalog']);

  // The portal, on a free port.
  const serve = startSkein(bin, org, ['serve', '--port', '0', '--no-alerts']);
  cleanups.push(async () => { serve.child.kill('SIGTERM'); await serve.done; });
  const base = await waitFor('skein serve to print its address', () => {
    const m = /portal on (http:\/\/\S+)/.exec(serve.text());
    if (!m && serve.child.exitCode !== null) throw new Error(`skein serve exited:\n${serve.text()}`);
    return m && m[1];
  });
  const operatorToken = fs.readFileSync(path.join(org, '.skein', 'operator-token'), 'utf8').trim();
  assert.match(operatorToken, /^skn_[0-9a-f]{40}$/);

  const browser = await chromium.launch({ executablePath, headless: true });
  cleanups.push(() => browser.close());
  const problems = [];
  const openPage = async (name) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const assets = process.env.SKEIN_BROWSER_ASSETS;
    if (assets) {
      await context.route((url) => url.pathname === '/' || url.pathname.startsWith('/assets/'), async (route) => {
        const response = await route.fetch();
        const { pathname } = new URL(route.request().url());
        const file = path.join(assets, pathname === '/' ? 'index.html' : path.basename(pathname));
        if (!response.ok() || !fs.existsSync(file)) return route.fulfill({ response });
        return route.fulfill({ response, body: fs.readFileSync(file) });
      });
    }
    const page = await context.newPage();
    page.setDefaultTimeout(30000);
    page.on('dialog', async (dialog) => {
      problems.push(`${name}: a ${dialog.type()} dialog opened: ${JSON.stringify(dialog.message())}`);
      await dialog.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
    page.on('console', (m) => {
      // The session probe before signing in answers 401 by design; anything else is a fault.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`${name}: console error: ${m.text()}`);
    });
    return page;
  };
  const noProblems = () => assert.deepEqual(problems, [], 'no dialog, page error or console error');
  const shot = (page, name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
  const count = async (page, state) => Number(await page.getByTestId(`counts-${state}`).getAttribute('data-count'));
  // A job's row by its consumer's name (the row shows the catalog title first when there is one).
  const jobRow = (page, name) => page.locator(`[data-testid="job-row"][data-name="${name}"]`);

  const page = await openPage('operator');
  // The steps build on each other: after a failure the dependent ones are skipped, not left to time out.
  let failed = null;
  const step = (name, fn, { independent = false } = {}) => t.test(name, async (st) => {
    if (failed && !independent) {
      st.skip(`an earlier step failed: ${failed}`);
      return;
    }
    try {
      await fn(st);
    } catch (e) {
      if (!independent) failed = name;
      throw e;
    }
  });

  await step('sign in with the operator token', async () => {
    await page.goto(base);
    await page.getByTestId('token-input').fill(operatorToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('role').getByText('operator').waitFor();
    await page.getByTestId('no-campaigns').waitFor();
    // Set once: still there at the end means the page never reloaded.
    await page.evaluate(() => { window.skeinTestMark = 'no reload'; });
    await shot(page, '01-signed-in');
  });

  // `skein run` in the background until it stops (at a gate, a pause or the end).
  const runOnce = async (label) => {
    const run = startSkein(bin, org, ['run', MANIFEST, '--no-ui']);
    cleanups.push(async () => { if (run.child.exitCode === null) { run.child.kill('SIGTERM'); await run.done; } });
    const result = await runToTheEnd(run);
    t.diagnostic(`${label}: skein run exited ${result.code}`);
    return result;
  };
  // Records, in the page, every (campaign state, jobs done, consumers finished) it shows.
  const recordChanges = () => page.evaluate(() => {
    window.skeinSeen = new Set();
    const record = () => {
      const state = document.querySelector('[data-testid="campaign-state"]');
      const done = document.querySelector('[data-testid="counts-done"]');
      const progress = document.querySelector('[data-testid="progress"]');
      window.skeinSeen.add([state && state.getAttribute('data-state'), done && done.getAttribute('data-count'),
        progress && progress.getAttribute('data-finished')].join(' '));
    };
    record();
    if (window.skeinObserver) window.skeinObserver.disconnect();
    window.skeinObserver = new MutationObserver(record);
    window.skeinObserver.observe(document.querySelector('[data-testid="campaign-page"]'), { subtree: true, childList: true, attributes: true });
  });
  const seenChanges = () => page.evaluate(() => [...window.skeinSeen]);
  const notReloaded = async () => assert.equal(await page.evaluate(() => window.skeinTestMark), 'no reload', 'the page was not reloaded');
  const panel = page.getByTestId('job-panel');
  const panelState = (state) => panel.getByTestId('job-state').and(page.locator(`[data-state="${state}"]`));
  const campaignState = (state) => page.getByTestId('campaign-state').and(page.locator(`[data-state="${state}"]`));

  await step('the campaign appears live and its data stage stops at the publish gate', async () => {
    const run = runOnce('first run');
    await page.locator(`[data-testid="campaign-row"][data-campaign="${CAMPAIGN}"]`).click({ timeout: 120000 });
    await page.getByTestId('campaign-title').getByText(CAMPAIGN).waitFor();
    const result = await run;
    assert.equal(result.code, 0, `the first run stops at the publish gate:\n${result.out}${result.err}`);
    // Seven partitions done and the publish step at its gate, over the event stream.
    await waitFor('7 jobs done on the page', async () => (await count(page, 'done')) === 7);
    await waitFor('1 job at a gate on the page', async () => (await count(page, 'awaiting-approval')) === 1);
    await shot(page, '02-data-stage');
    await notReloaded();
  });

  await step('approving the publish step, the consumers run live until the canary pauses the campaign', async () => {
    await page.getByTestId('counts-awaiting-approval').click();
    await page.locator('[data-testid="job-row"][data-state="awaiting-approval"]', { hasText: 'publish' }).click();
    await panelState('awaiting-approval').waitFor();
    await panel.getByTestId('approve').click();
    await panelState('pending').waitFor();
    await waitFor('no job at a gate', async () => (await count(page, 'awaiting-approval')) === 0);
    await page.getByTestId('panel-close').click();
    await page.getByTestId('filter-clear').click();

    await recordChanges();
    await runOnce('second run');
    // The canary wave (the least critical consumers, which the built-in agent cannot finish)
    // trips the wave threshold: the campaign pauses, and the page shows it as it happens.
    await campaignState('paused').waitFor();
    await waitFor('8 jobs done on the page', async () => (await count(page, 'done')) === 8);
    await waitFor('2 failed on the page', async () => (await count(page, 'failed')) === 2);
    const seen = await seenChanges();
    assert.ok(seen.length >= 2, `the page changed while the run went: ${JSON.stringify(seen)}`);
    assert.ok(seen.some((v) => v.startsWith('migrating-data 7')) && seen.some((v) => v.startsWith('paused 8')),
      `from the data stage to the pause: ${JSON.stringify(seen)}`);
    await page.getByTestId('campaign-reason').getByText('wave 1').waitFor();
    await shot(page, '03-paused-by-the-canary');
    await notReloaded();
  });

  await step('resuming from the page opens the next wave, whose tier-1 consumers wait at the gate', async () => {
    await page.getByTestId('resume').click();
    await campaignState('migrating-consumers').waitFor();
    await recordChanges();
    await runOnce('third run');
    await waitFor('2 consumers at the gate on the page', async () => (await count(page, 'awaiting-approval')) === 2);
    // The header follows over the event stream (its figures may trail the table by a moment).
    await waitFor('the page to change while the run went', async () => (await seenChanges()).length >= 2, 10000)
      .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await seenChanges())}`); });
    await shot(page, '04-tier-1-at-the-gate');
    await notReloaded();
  });

  await step(`a consumer titled ${XSS} shows the text and runs nothing`, async () => {
    await page.getByTestId('counts-awaiting-approval').click();
    const row = jobRow(page, 'component:browser-check');
    assert.equal(await row.getByTestId('job-name').textContent(), XSS, 'the table shows the title as text');
    await row.click();
    await panelState('awaiting-approval').waitFor();
    const title = panel.getByTestId('job-catalog-title');
    await title.getByText(XSS, { exact: true }).waitFor();
    assert.equal(await title.textContent(), XSS);
    assert.equal(await page.locator('script').count(), 1, 'the page holds only its own script');
    assert.equal(await panel.locator('script, img, iframe').count(), 0);
    await shot(page, '05-script-title-as-text');
    noProblems();
  });

  await step('approving a waiting consumer moves it on, and it migrates live: diff and verifiers', async () => {
    await jobRow(page, 'component:daily-active-users').click();
    await panelState('awaiting-approval').waitFor();
    await shot(page, '06-awaiting-approval');
    await panel.getByTestId('approve').click();
    await panelState('pending').waitFor();
    await panel.getByText('approved by').waitFor();
    assert.equal(await panel.getByTestId('approve').count(), 0, 'no approve button once approved');
    await waitFor('1 consumer at the gate on the page', async () => (await count(page, 'awaiting-approval')) === 1);
    await page.getByTestId('filter-clear').click();
    const finishedBefore = Number(await page.getByTestId('progress').getAttribute('data-finished'));

    await runOnce('fourth run');
    // The open panel follows the job to its end, and the progress bar moves: no reload.
    await panelState('done').waitFor({ timeout: 60000 });
    await waitFor('one more consumer finished on the progress bar', async () =>
      Number(await page.getByTestId('progress').getAttribute('data-finished')) === finishedBefore + 1);
    await jobRow(page, 'component:daily-active-users').and(page.locator('[data-state="done"]')).waitFor();
    const diff = panel.getByTestId('diff');
    await diff.waitFor();
    assert.ok(await diff.locator('[data-kind="add"]').count() > 0, 'added lines');
    assert.ok(await diff.locator('[data-kind="del"]').count() > 0, 'removed lines');
    assert.ok(await diff.locator('[data-kind="hunk"]').count() > 0, 'hunk headers');
    const colour = (kind) => diff.locator(`[data-kind="${kind}"]`).first().evaluate((e) => getComputedStyle(e).backgroundColor);
    const [added, removed, context] = [await colour('add'), await colour('del'), await colour('ctx')];
    assert.notEqual(added, removed, 'added and removed lines are coloured apart');
    assert.notEqual(added, context, 'added lines stand out from context');
    assert.match(await diff.textContent(), /core\.user_profile_v2/);
    assert.ok(await panel.locator('[data-testid="verifier"][data-passed="true"]').count() >= 3, 'verifier results');
    assert.equal(await panel.locator('[data-testid="verifier"][data-passed="false"]').count(), 0);
    await panel.getByTestId('request-link').waitFor();
    await diff.scrollIntoViewIfNeeded();
    await shot(page, '07-diff');
    await notReloaded();
    noProblems();
  });

  await step('the lineage graph colours consumers by state', async () => {
    await page.getByTestId('nav-datasets').click();
    await page.locator('[data-testid="dataset-row"][data-dataset="core.user_profile_v1"]').click();
    const nodes = page.getByTestId('lineage-node');
    await nodes.first().waitFor();
    await shot(page, '08-lineage');
    assert.ok(await nodes.count() >= 10, 'the dataset and its nine consumers');
    const dau = page.locator('[data-testid="lineage-node"][data-ref="component:default/daily-active-users"]');
    assert.equal(await dau.getAttribute('data-state'), 'done');
    const fillOf = (loc) => loc.locator('rect.box').evaluate((e) => getComputedStyle(e).fill);
    const waiting = page.locator('[data-testid="lineage-node"][data-ref="component:default/browser-check"]');
    assert.notEqual(await fillOf(dau), await fillOf(waiting), 'states are coloured apart');
    // The catalog's deprecation, and the consumers still reading it over time.
    const deprecation = page.getByTestId('deprecation');
    await deprecation.getByText('core.user_profile_v2').waitFor();
    assert.equal(await page.getByTestId('decommission-date').getAttribute('data-date'), '2027-06-30');
    const remaining = page.getByTestId('dataset-remaining').getByTestId('burndown');
    await remaining.waitFor();
    const left = Number(await remaining.getAttribute('data-remaining'));
    assert.ok(left >= 1 && left < 10, `some direct consumers migrated, some still read v1: ${left}`);
  }, { independent: true });

  await step('a viewer sees no action buttons', async () => {
    const viewerToken = skein(bin, org, ['token', 'create', 'browser-viewer', '--role', 'viewer']).trim();
    const viewer = await openPage('viewer');
    await viewer.goto(`${base}#/campaigns/${CAMPAIGN}`);
    await viewer.getByTestId('token-input').fill(viewerToken);
    await viewer.getByTestId('sign-in').click();
    await viewer.getByTestId('role').getByText('viewer').waitFor();
    await viewer.getByTestId('viewer-note').waitFor();
    for (const id of ['pause', 'resume', 'cancel', 'rollback', 'approve-all']) {
      assert.equal(await viewer.getByTestId(id).count(), 0, `no ${id} button for a viewer`);
    }
    await viewer.getByTestId('counts-awaiting-approval').click();
    await jobRow(viewer, 'component:browser-check').click();
    await viewer.getByTestId('job-catalog-title').getByText(XSS, { exact: true }).waitFor();
    await viewer.getByTestId('job-viewer-note').waitFor();
    assert.equal(await viewer.getByTestId('approve').count(), 0, 'no approve button for a viewer');
    await shot(viewer, '09-viewer');
  }, { independent: true });

  noProblems();
});
