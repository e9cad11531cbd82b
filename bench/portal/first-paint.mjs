// The dashboard's first paint in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tests/browser/node_modules), for bench/portal/run:
//
//   node bench/portal/first-paint.mjs --base http://127.0.0.1:PORT/ --token-file FILE
//        --hash '#/campaigns/ID' --wait job-row [--runs 10] [--warmup 1] [--label NAME]
//
// Each run is a first visit of a signed-in user: a fresh browser context (empty cache), signed in
// through the API (POST /api/v1/session from the context, so the HttpOnly session cookie lands in
// its cookie jar as the login form's request would put it there), then one navigation to
// BASE + HASH. Measured in the page, from its navigation start (performance.now()):
//   fcp      first-contentful-paint (the top bar and "Loading…": before any API data)
//   visible  the first element with data-testid=WAIT in the DOM, then one animation frame and a
//            task later (rAF + setTimeout 0: the frame that shows it has been painted)
//   settled  the same for every SETTLE testid (--settle a,b: the page's other cards), when given
//   lcp      the last largest-contentful-paint entry by then
// Prints one JSON line per run and a summary line (median and max of each) on stdout.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

function args() {
  const out = { runs: 10, warmup: 1, label: 'page', settle: '' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    out[key] = argv[i + 1];
  }
  for (const need of ['base', 'tokenFile', 'hash', 'wait']) {
    if (!out[need]) throw new Error(`--${need.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
  }
  out.runs = Number(out.runs);
  out.warmup = Number(out.warmup);
  return out;
}

const opts = args();
const token = fs.readFileSync(opts.tokenFile, 'utf8').trim();
const playwright = path.join(root, 'tests', 'browser', 'node_modules', 'playwright-core', 'index.mjs');
if (!fs.existsSync(playwright)) throw new Error(`no playwright-core in tests/browser/node_modules: run scripts/setup`);
const { chromium } = await import(playwright);
const executablePath = process.env.SKEIN_CHROMIUM || '/usr/bin/chromium';

// Installed before the page's own script: records when the awaited elements are first painted.
function probe({ wait, settle }) {
  const marks = { visible: null, settled: null };
  window.__bench = marks;
  const lcp = { value: null };
  window.__benchLcp = lcp;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) lcp.value = entry.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  } catch (e) { /* no LCP in this browser */ }
  const painted = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
  const check = () => {
    if (marks.visible === null && marks.pendingVisible !== true && document.querySelector(`[data-testid="${wait}"]`)) {
      marks.pendingVisible = true;
      painted(() => { marks.visible = performance.now(); });
    }
    if (settle.length && marks.settled === null && marks.pendingSettled !== true &&
        settle.every((t) => document.querySelector(`[data-testid="${t}"]`))) {
      marks.pendingSettled = true;
      painted(() => { marks.settled = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
}

const browser = await chromium.launch({ executablePath, headless: true });
const settle = opts.settle ? opts.settle.split(',') : [];
const results = [];
try {
  for (let run = 0; run < opts.warmup + opts.runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const signIn = await context.request.post(new URL('api/v1/session', opts.base).href, { data: { token } });
    if (signIn.status() !== 200) throw new Error(`POST /api/v1/session: ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(probe, { wait: opts.wait, settle });
    const wall = Date.now();
    await page.goto(new URL(opts.hash, opts.base).href, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__bench && window.__bench.visible !== null, null,
      { timeout: 60000, polling: 10 });
    if (settle.length) await page.waitForFunction(() => window.__bench.settled !== null, null, { timeout: 60000, polling: 10 });
    const m = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        fcp: fcp ? fcp.startTime : null,
        visible: window.__bench.visible,
        settled: window.__bench.settled,
        lcp: window.__benchLcp.value,
        dom_content_loaded: nav ? nav.domContentLoadedEventEnd : null,
        rows: document.querySelectorAll('[data-testid="job-row"]').length,
        nodes: document.querySelectorAll('[data-testid="lineage-node"]').length,
      };
    });
    m.wall_ms = Date.now() - wall;
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await context.close();
    const row = { label: opts.label, run: run - opts.warmup + 1, warmup: run < opts.warmup, ...m };
    for (const k of ['fcp', 'visible', 'settled', 'lcp', 'dom_content_loaded']) {
      if (typeof row[k] === 'number') row[k] = Math.round(row[k] * 10) / 10;
    }
    console.log(JSON.stringify(row));
    if (run >= opts.warmup) results.push(row);
  }
} finally {
  await browser.close();
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const max = (xs) => {
  const s = xs.filter((x) => typeof x === 'number');
  return s.length ? Math.max(...s) : null;
};
const summary = { label: opts.label, summary: true, runs: results.length };
for (const k of ['fcp', 'visible', 'settled', 'lcp', 'wall_ms']) {
  summary[`${k}_median`] = median(results.map((r) => r[k]));
  summary[`${k}_max`] = max(results.map((r) => r[k]));
}
console.log(JSON.stringify(summary));
