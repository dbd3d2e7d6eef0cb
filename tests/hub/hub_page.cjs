/*
 * hub_page.cjs - the /hub dashboard in real headless Chromium
 * (tests/web/lib/browser.cjs: playwright-core, axe-core from
 * tests/web/node_modules), against a
 * searchd that test_hub_sample.py started on the linked sample:
 *   node hub_page.cjs BASE EXPECT.json
 * EXPECT names a planted duplicate, planted gaps and a planted overlap.
 * Checks the tile map (33 tiles, each with its number), the matrix as a
 * real table with headers, the sections, the CSV links, and no WCAG 2.2 AA
 * violations (axe), with and without JavaScript.  Then, at 375 and 1280
 * px: gaps for every priority group as a borough x group table, links
 * explained in words, tables that scroll in their own box (the page never
 * scrolls sideways); the "report a problem" form on a service page sent
 * as the public; and an editor who signs in and reviews the report in
 * the hub's queue (in place with JavaScript, by a plain form without).
 * Exit 77 (skipped) when chromium or node_modules is missing.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const HERE = __dirname;
const { check, axe, bothWays } = require('../web/lib/browser.cjs');

const base = process.argv[2];
const expect = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

async function journey(page, js, errors) {
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
  errors.length = 0; // the 400 above is logged by Chromium as a failed load

  // gaps for every group at once, links in words, scrolling in place
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 812 });
    await page.goto(`${base}/hub?subregion=local-london`);
    const gm = await page.$$eval('table.gapm tbody th[scope=row]', (t) => t.length);
    const gh = await page.$$eval('table.gapm thead th[scope=col]', (t) => t.length);
    check(gm >= 1 && gm <= 33 && gh === 8, `gaps: a borough x group table for every priority group (${gm} rows, ${gh} columns)`);
    const gapCells = await page.$$eval('table.gapm td.gap', (t) => t.length);
    check(gapCells >= 1, `gaps in Local London are marked in the table (${gapCells})`);
    const dup = await page.$eval('#h-dup', (h) => h.parentElement.innerText);
    check(!/Strongest link/.test(dup) && /same (name|phone|web|postcode|e-mail|organisation)|similar/.test(dup),
      `duplicate links are explained in words at ${width} px`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(sideways <= 0, `the hub page does not scroll sideways at ${width} px (${sideways} px too wide)`);
    const loose = await page.$$eval('main table', (ts) => ts.filter((t) => !t.closest('.scroll')).length);
    check(loose === 0, `every hub table scrolls in its own box (${loose} do not)`);
    if (js && width === 375) await axe(page, 'hub at 375 px');
  }

  // report a problem with a listing, as the public
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 812 });
    await page.goto(`${base}/services/${expect.report_service}`);
    const form = await page.$('form.report-form');
    check(form !== null, `the service page has the report form at ${width} px`);
    if (js && width === 375) await axe(page, 'service page with the report form');
    if (width !== 375) continue;
    await page.check('#report-phone');
    await page.fill('#report-details', `Browser journey (js ${js}): the number has changed`);
    await page.fill('#report-contact', 'journey@example.org');
    await Promise.all([page.waitForNavigation(), page.click('form.report-form button[type=submit]')]);
    const thanks = await page.$eval('#report [role=status]', (s) => s.innerText).catch(() => '');
    check(thanks.includes('Thank you'), `the report is sent and the page says thank you (js ${js}: ${thanks})`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(sideways <= 0, `the service page does not scroll sideways at 375 px (${sideways})`);
  }

  // an editor reviews it
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/login?next=/hub`);
  await page.fill('#login-name', expect.user);
  await page.fill('#login-password', expect.password);
  await Promise.all([page.waitForNavigation(), page.click('form.login button[type=submit]')]);
  const queue = await page.$eval('#h-reports', (h) => h.parentElement.innerText).catch(() => '');
  check(queue.includes(`Browser journey (js ${js})`) && queue.includes('journey@example.org'),
    `the hub's queue shows the report with its contact (js ${js})`);
  if (js) {
    await axe(page, 'hub with the review queue, signed in');
    const before = page.url();
    await page.click('#h-reports ~ .scroll form.review:last-of-type button');
    const done = await page.waitForSelector('#reports p.done', { timeout: 30000 })
      .then((s) => s.innerText()).catch(() => '');
    check(done.includes('Marked handled') && page.url() === before, `'Mark handled' works in place (${done})`);
  } else {
    const row = await page.$('#reports tbody tr');
    await row.$eval('select[name=field]', (s) => { s.value = 'phone'; });
    await (await row.$('input[name=value]')).fill('020 7946 0123');
    await Promise.all([page.waitForNavigation(), (await row.$('form.review button')).click()]);
    const note = await page.$eval('#reports [role=status]', (s) => s.innerText).catch(() => '');
    check(note.includes('corrected'), `without JavaScript the correction comes back to /hub saying so (${note})`);
    await page.goto(`${base}/services/${expect.report_service}`);
    check((await page.content()).includes('020 7946 0123'), 'the service page shows the correction');
  }
}

bothWays('hub-page', journey);
