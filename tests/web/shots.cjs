#!/usr/bin/env node
/*
 * shots.cjs - the README's screenshots (docs/screenshots/), taken in real
 * headless Chromium with the browser tests' helpers (lib/browser.cjs): the first
 * screen of the portal at 375x812 and 1280x900 — the search page, results
 * near a postcode, a service, no results, the guided questions, results in
 * Arabic, the coach page after screening and its printout — and the hub
 * dashboard.  Not a test (it checks only that each page loaded): run it by
 * hand after a change to how pages look, and commit the pictures.
 *
 * Usage: node tests/web/shots.cjs SIGNPOST_BIN [OUT_DIR]
 *   OUT_DIR defaults to docs/screenshots; SIGNPOST_WEB_STORE reuses an
 *   index of the sample.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const J = require('./lib/browser.cjs');

const OUT_DIR = process.argv[3] || path.join(J.SOURCE, 'docs', 'screenshots');

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-shots-'));
  let store = process.env.SIGNPOST_WEB_STORE;
  if (!store) {
    store = path.join(tmp, 'store');
    J.indexSample(store);
  }
  /* the hub open to read (--hub-public), as hub-sample runs it */
  const srv = await J.serve(store, undefined, ['--hub-public']);
  const base = `http://127.0.0.1:${srv.port}`;
  const ctx = await J.launch(true, { profile: path.join(tmp, 'profile') });
  const coach = '/coach?age=19&near=E8+1DY&benefits=universal-credit&status=unemployed&need=cv-and-applications';
  try {
    J.check(await J.waitHealthy(base), 'searchd answers /healthz');
    const page = await ctx.newPage();
    await page.goto(base + '/api/v1/search?q=cv');
    const anId = JSON.parse(await page.locator('body').textContent()).results[0].id;
    const shots = [
      ['home', '/', [375]],
      ['results', '/?q=ESOL&near=E8+1DY', [375, 1280]],
      ['service', `/services/${anId}`, [375]],
      ['no-results', '/?q=underwater+basket+weaving&borough=camden', [375]],
      ['guided', '/guided', [375]],
      ['results-ar', '/?q=ESOL&lang=ar', [375]],
      ['coach', coach, [375, 1280]],
      ['print', coach + '&print=1&s=' + anId + '&notes=Call+on+Monday+morning', [375]],
      ['hub', '/hub', [375, 1280]],
    ];
    for (const [name, url, widths] of shots) {
      for (const w of widths) {
        await page.setViewportSize({ width: w, height: w === 375 ? 812 : 900 });
        const res = await page.goto(base + url);
        J.check(res && res.status() < 500, `${name} at ${w} px loads (${res && res.status()})`);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(OUT_DIR, `${name}-${w}.png`) });
      }
    }
  } catch (e) {
    J.check(false, 'screenshots taken: ' + (e && e.stack || e));
  } finally {
    await ctx.close();
    srv.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  J.finish(`screenshots in ${OUT_DIR}`, 'pages loaded');
}

main();
