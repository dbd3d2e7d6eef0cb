/*
 * browser.cjs - what every browser test shares (tests/web/journeys*.cjs,
 * tests/web/shots.cjs, tests/auth/dashboard.cjs, tests/hub/hub_page.cjs):
 * playwright-core and axe-core from tests/web/node_modules (exit 77, skipped,
 * when they or Debian's chromium are missing: requiring this module checks),
 * Chromium launched headless, the check() count, axe (WCAG 2.2 A/AA),
 * screenshots with the reflow checks, page watchers, and a `signpost serve`
 * over an index of the sample, started and stopped.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SOURCE = process.env.SIGNPOST_SOURCE || path.resolve(__dirname, '..', '..', '..');
/* the tests that start their own server take the binary as their first argument */
const SIGNPOST = process.argv[2] || path.join(SOURCE, 'build', 'signpost');
const OUT = process.env.SIGNPOST_WEB_OUT || path.join(__dirname, '..', 'out');

let playwright, axePath;
try {
  playwright = require('playwright-core');
  axePath = require.resolve('axe-core/axe.min.js');
} catch (e) {
  console.log('SKIP: tests/web/node_modules missing (run `npm ci` in tests/web)');
  process.exit(77);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} not found`);
  process.exit(77);
}

/* ---- counting ---- */

let checks = 0;
const failures = [];
function check(cond, what) {
  checks++;
  if (!cond) {
    failures.push(what);
    console.log('FAIL:', what);
  }
  return cond;
}

/* Say how many checks passed (as NAME: p/n WHAT) and exit 1 if any failed. */
function finish(name, what = 'checks passed') {
  console.log(`${name}: ${checks - failures.length}/${checks} ${what}`);
  process.exit(failures.length ? 1 : 0);
}

/* ---- the browser ---- */

const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/* A headless Chromium context at 1280x900, with or without JavaScript; its
 * profile in the folder given, or a temporary one ('') removed on close. */
function launch(js, { profile = '', locale } = {}) {
  return playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, javaScriptEnabled: js, locale,
    args: BROWSER_ARGS, viewport: { width: 1280, height: 900 },
  });
}

/* Run journey(page, js, errors) in a fresh context with JavaScript on, then
 * off (errors: the console's, none allowed at the end); what it throws fails
 * a check; then finish(name). */
async function bothWays(name, journey) {
  try {
    for (const js of [true, false]) {
      const context = await launch(js);
      try {
        const page = await context.newPage();
        const errors = [];
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        await journey(page, js, errors);
        check(errors.length === 0, `no console errors (${errors.join('; ')})`);
      } finally {
        await context.close();
      }
    }
  } catch (e) {
    check(false, `browser run: ${e.stack || e}`);
  }
  finish(name);
}

const AXE = fs.readFileSync(axePath, 'utf8');

async function axe(page, name) {
  /* axe is evaluated as a function body: the page's CSP (script-src 'self')
   * does not apply to the DevTools protocol. */
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  for (const v of res) console.log(`  axe ${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.join(' | ')}`);
  check(res.length === 0, `axe: no WCAG 2.2 AA violations on ${name} (got ${res.map((v) => v.id).join(', ')})`);
}

async function shoot(page, name) {
  for (const w of [375, 1280]) {
    await page.setViewportSize({ width: w, height: w === 375 ? 812 : 900 });
    await page.screenshot({ path: path.join(OUT, `${name}-${w}.png`), fullPage: true });
    /* The first screenful, small enough for the README (docs/screenshots). */
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(OUT, 'docs', `${name}-${w}.png`) });
  }
  /* Reflow: nothing wider than a 320 px screen. */
  await page.setViewportSize({ width: 320, height: 640 });
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  check(sw <= 320, `${name} reflows at 320 px (scrollWidth ${sw})`);
  /* Text at 200 % (WCAG 1.4.4) still fits a 640 px window without
   * sideways scrolling.  CSSOM changes are allowed under the page's CSP. */
  await page.setViewportSize({ width: 640, height: 900 });
  const sw2 = await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%';
    const w = document.documentElement.scrollWidth;
    document.documentElement.style.fontSize = '';
    return w;
  });
  check(sw2 <= 640, `${name} text at 200 % fits 640 px (scrollWidth ${sw2})`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/* A dialog (script ran), a page error or a console error fails. */
function watchPage(page, label) {
  page.on('dialog', async (d) => {
    check(false, `${label}: a dialog opened (${d.message()}): script ran`);
    await d.dismiss();
  });
  page.on('pageerror', (e) => check(false, `${label}: page error ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.text())) check(false, `${label}: console error ${m.text()}`);
  });
}

/* Every script is ours, no inline handlers, every link inert or safe. */
async function inert(page, label) {
  const r = await page.evaluate(() => {
    const scripts = [...document.scripts].map((s) => s.getAttribute('src') || 'INLINE');
    const handlers = [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`));
    const links = [...document.querySelectorAll('[href],[src],[action]')].map((el) =>
      el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action'));
    const bad = links.filter((h) => !/^(https?:\/\/|mailto:|tel:|\/|#|\?)/i.test(h));
    return { scripts, handlers, bad, imgs: document.images.length };
  });
  check(r.scripts.every((s) => s === '/static/portal.js'), `${label}: only /static/portal.js runs (${r.scripts})`);
  check(r.handlers.length === 0, `${label}: no event-handler attributes (${r.handlers})`);
  check(r.bad.length === 0, `${label}: every link is http(s), mailto, tel or local (${r.bad})`);
  check(r.imgs === 0, `${label}: no images injected (${r.imgs})`);
}

/* ---- the server ---- */

function indexSample(store) {
  const r = spawnSync(SIGNPOST, ['index', '--store', store, path.join(SOURCE, 'data', 'sample', 'sources')],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('signpost index failed: ' + r.stderr);
  console.log(r.stderr.trim().split('\n').pop());
}

function serve(store, web = path.join(SOURCE, 'web'), extra = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(SIGNPOST, ['serve', '--store', store, '--listen', '127.0.0.1:0',
      '--web', web, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const t = setTimeout(() => reject(new Error('serve did not start: ' + err)), 30000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /listening on port (\d+)/.exec(err);
      if (m && !p.port) {
        p.port = Number(m[1]);
        clearTimeout(t);
        resolve(p);
      }
    });
    p.on('exit', (code) => {
      p.exited = code;
      reject(new Error(`serve exited ${code}: ${err}`));
    });
    p.stderrText = () => err;
  });
}

async function waitHealthy(base) {
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(base + '/healthz');
      if (r.status === 200) return true;
    } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/* SIGTERM, up to 10 s to stop, and nothing from the sanitizers in its log. */
async function stop(srv) {
  srv.kill('SIGTERM');
  for (let i = 0; i < 100 && srv.exitCode === null && srv.signalCode === null; i++)
    await new Promise((r) => setTimeout(r, 100));
  const log = srv.stderrText();
  check(!/AddressSanitizer|LeakSanitizer|runtime error:/.test(log),
    'searchd ran clean under the sanitizers: ' + (log.match(/.*(Sanitizer|runtime error).*/) || [''])[0]);
}

module.exports = { SIGNPOST, SOURCE, OUT, CHROMIUM, playwright, check, finish, launch, bothWays, axe, shoot,
  watchPage, inert, indexSample, serve, waitHealthy, stop };
