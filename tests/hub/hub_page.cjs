/*
 * hub_page.cjs - the /hub dashboard in real headless Chromium
 * (playwright-core, axe-core from tests/web/node_modules), against a
 * searchd that test_hub_sample.py started on the linked sample:
 *   node hub_page.cjs BASE EXPECT.json
 * EXPECT names a planted duplicate, planted gaps and a planted overlap.
 * Checks the tile map (33 tiles, each with its number), the matrix as a
 * real table with headers, the sections, the CSV links, and no WCAG 2.2 AA
 * violations (axe), with and without JavaScript.
 * Exit 77 (skipped) when chromium or node_modules is missing.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const HERE = __dirname;
const MODULES = path.join(HERE, '..', 'web', 'node_modules');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let playwright, axePath;
try {
  playwright = require(path.join(MODULES, 'playwright-core'));
  axePath = require.resolve(path.join(MODULES, 'axe-core', 'axe.min.js'));
} catch (e) {
  console.log('SKIP: tests/web/node_modules missing (run `npm ci` in tests/web)');
  process.exit(77);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} not found`);
  process.exit(77);
}

const base = process.argv[2];
const expect = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
let checks = 0;
const failures = [];
function check(cond, what) {
  checks++;
  if (!cond) {
    failures.push(what);
    console.log('FAIL:', what);
  }
}

async function axe(page, name) {
  await page.evaluate(fs.readFileSync(axePath, 'utf8'));
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

async function run(js) {
  const browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const resp = await page.goto(`${base}/hub?group=${expect.gap_group}`);
    check(resp.status() === 200, `/hub is 200 (js ${js})`);
    const tiles = await page.$$eval('.tilemap > li', (ls) => ls.map((l) => l.innerText.trim()));
    check(tiles.length === 33, `33 borough tiles (got ${tiles.length})`);
    check(tiles.every((t) => /\d/.test(t)), 'every tile writes its number');
    const nums = await page.$$eval('.tilemap > li .num', (ls) => ls.map((l) => l.textContent.trim()));
    check(nums.filter((n) => n === '0').length >= expect.gap_boroughs.length,
      `tiles at 0 for the planted ${expect.gap_group} gaps`);
    const gapText = await page.$eval('#h-gaps', (h) => h.parentElement.innerText);
    for (const b of expect.gap_labels) check(gapText.toLowerCase().includes(b), `gaps list ${b} for ${expect.gap_group}`);
    const heads = await page.$$eval('table.matrix thead th[scope=col]', (t) => t.length);
    const rows = await page.$$eval('table.matrix tbody th[scope=row]', (t) => t.length);
    check(heads === 8 && rows === 33, `matrix: 7 groups + borough column, 33 rows (got ${heads}, ${rows})`);
    const dupText = await page.$eval('#h-dup', (h) => h.parentElement.innerText);
    check(dupText.includes(expect.duplicate_name), `duplicates list ${expect.duplicate_name}`);
    const csv = await page.$$eval('a[download]', (as) => as.map((a) => a.getAttribute('href')));
    check(csv.length >= 6 && csv.every((h) => h.includes('format=csv')), 'each section links to its CSV');
    check(errors.length === 0, `no console errors (${errors.join('; ')})`);
    if (js) await axe(page, 'hub'); // axe needs script: it runs once, with JavaScript on

    // the planted overlap, chosen by its group and category
    await page.goto(`${base}/hub?group=${expect.overlap_group}&category=${expect.overlap_category}`);
    const ovText = await page.$eval('#h-ov', (h) => h.parentElement.innerText);
    for (const n of expect.overlap_names) check(ovText.includes(n), `overlaps show ${n} side by side`);
    const sides = await page.$$eval('table.side', (t) => t.length);
    check(sides >= 1, 'overlap clusters are tables with the services side by side');
    if (js) {
      fs.mkdirSync(path.join(HERE, 'out'), { recursive: true });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${base}/hub?group=${expect.gap_group}`);
      await page.screenshot({ path: path.join(HERE, 'out', 'hub.png'), fullPage: false });
    }
    if (js) await axe(page, 'hub overlaps');
    const bad = await page.goto(`${base}/hub?group=atlantis`);
    check(bad.status() === 400, `/hub with an unknown group is 400 (got ${bad.status()})`);
  } finally {
    await browser.close();
  }
}

(async () => {
  try {
    await run(true);
    await run(false);
  } catch (e) {
    check(false, `browser run: ${e.stack || e}`);
  }
  console.log(`hub-page: ${checks - failures.length}/${checks} checks passed`);
  process.exit(failures.length ? 1 : 0);
})();
