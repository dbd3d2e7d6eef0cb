#!/usr/bin/env node
/*
 * journeys.cjs - the portal end to end in real headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core), with and without
 * JavaScript: a jobseeker finds ESOL near a postcode and opens a service; a
 * coach screens a client, builds a shortlist and prints it.  axe-core
 * checks every page type for WCAG 2.2 A/AA violations; the sample's hostile
 * records must render as inert text; every page reflows at 320 px.
 * Screenshots of each page at 375 and 1280 px go to tests/web/out/, and
 * page weights and server response times to tests/web/out/metrics.json.
 *
 * Usage: node journeys.cjs SIGNPOST_BIN
 * Env: SIGNPOST_SOURCE (source tree), SIGNPOST_WEB_STORE (reuse an
 * indexed store instead of indexing the sample: faster while developing).
 * Exit 77 (skipped) when chromium or node_modules is missing.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const B = require('./lib/browser.cjs');

const { SOURCE, OUT, check, axe, shoot, watchPage, inert } = B;

/* ---- journeys ---- */

async function jobseeker(ctx, base, js, shots) {
  const tag = js ? 'js' : 'nojs';
  const page = await ctx.newPage();
  watchPage(page, `jobseeker ${tag}`);
  await page.goto(base + '/');
  check(await page.locator('h1').count() === 1, `${tag}: the search page has one h1`);
  if (shots) {
    await axe(page, 'home');
    await shoot(page, 'home');
  }
  /* Keyboard: the first Tab lands on the skip link, and it is visible. */
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const a = document.activeElement;
    const r = a.getBoundingClientRect();
    return { cls: a.className, visible: r.left >= 0 && r.width > 0 };
  });
  check(skip.cls === 'skip' && skip.visible, `${tag}: first Tab focuses a visible skip link`);

  await page.getByLabel('What help are you looking for?').fill('ESOL');
  await page.getByLabel('Your postcode (optional)').fill('E8 1DY');
  /* Wait for the submitted page itself (a document), not an in-place
   * update from search-as-you-type. */
  await Promise.all([
    page.waitForResponse((r) => /q=ESOL.*near=E8/.test(r.url()) && r.request().resourceType() === 'document'),
    page.getByRole('button', { name: 'Search' }).click()]);
  await page.waitForLoadState('load');
  const count = await page.locator('#count').innerText();
  check(/services? found/.test(count) && /near E8 1DY/.test(count), `${tag}: results say how many and near where ("${count}")`);
  const hits = page.locator('li.hit');
  const n = await hits.count();
  check(n >= 5, `${tag}: at least 5 ESOL results near E8 1DY (got ${n})`);
  const first = (await hits.first().innerText()).toLowerCase();
  check(/esol|english/.test(first), `${tag}: the first result is about ESOL or English`);
  check(/miles away/.test(first), `${tag}: results say how far away they are`);
  check(/last checked/.test(first), `${tag}: results say when they were last checked`);
  check(/who it is for/.test(first) && /get in touch/.test(first), `${tag}: results say who it is for and how to get in touch`);
  /* Best match with nearer ones first by default; nearest first is a choice. */
  check(await page.locator('#sort option[selected]').innerText() === 'Best match, nearer first',
    `${tag}: the order says best match, nearer first`);
  check((await page.locator('.sortby button').isVisible()) === !js,
    `${tag}: the Sort button ${js ? 'gives way to sorting on change' : 'is there without JavaScript'}`);
  const byDistance = new URL(page.url());
  byDistance.searchParams.set('sort', 'distance');
  await page.goto(byDistance.toString());
  check(await page.locator('#sort option[selected]').innerText() === 'Nearest first', `${tag}: nearest first chosen`);
  const dists = (await page.locator('li.hit .dist').allInnerTexts()).map((t) => parseFloat(t.replace(/[^0-9.]/g, '')));
  check(dists.length > 1 && dists.every((d, i) => i === 0 || d >= dists[i - 1]), `${tag}: nearest first (${dists.slice(0, 5)})`);
  if (shots) {
    await axe(page, 'results');
    await shoot(page, 'results');
  }

  /* A filter with counts: free services only. */
  const summary = page.locator('#filters summary', { hasText: 'Cost' });
  await summary.click();
  const free = page.locator('#filters input[name=cost][value=free]');
  const freeLabel = await page.locator('label[for=f-cost-free]').innerText();
  const want = parseInt((/\((\d+)\)/.exec(freeLabel) || [])[1] || '-1', 10);
  if (js) {
    await free.check();
    await page.waitForFunction((w) => /services? found/.test(document.querySelector('#count').textContent) &&
      document.querySelector('#count').textContent.startsWith(String(w)), want, { timeout: 30000 }).catch(() => {});
    check(page.url().includes('cost=free'), `js: the address follows the filter (${page.url()})`);
    const live = await page.locator('#live').textContent();
    check(/services? found/.test(live), `js: the new count is announced in a live region ("${live}")`);
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check(focused === 'f-cost-free', `js: focus stays on the ticked filter after the update (${focused})`);
  } else {
    await free.check();
    await Promise.all([page.waitForURL(/cost=free/), page.getByRole('button', { name: 'Apply filters' }).click()]);
  }
  const count2 = await page.locator('#count').innerText();
  check(count2.startsWith(String(want)), `${tag}: the filter's count (${want}) is the number found ("${count2}")`);
  check(await page.locator('.chosen a', { hasText: 'Free' }).count() === 1, `${tag}: the chosen filter is listed with a remove link`);

  /* Open a service. */
  const link = page.locator('li.hit h3 a').first();
  const name = await link.innerText();
  await Promise.all([page.waitForURL(/\/services\//), link.click()]);
  check((await page.locator('h1').innerText()) === name, `${tag}: the service page is the service clicked ("${name}")`);
  const body = await page.locator('main').innerText();
  for (const h of ['How to get in touch', 'What it is', 'Who it is for', 'How to get help', 'Cost', 'When', 'Where'])
    check(body.includes(h), `${tag}: the service page has "${h}"`);
  check(/Last checked/.test(body), `${tag}: the service page says when it was last checked`);
  check(await page.locator('a[href^="tel:"], a[href^="mailto:"]').count() > 0, `${tag}: the service page has a phone or email link`);
  check(await page.locator('a[href^="https://www.openstreetmap.org/"]').count() > 0, `${tag}: the service page links to a map`);
  check(await page.locator('.similar li').count() > 0, `${tag}: similar services nearby are listed`);
  const back = await page.locator('p.back a').getAttribute('href');
  check(js ? /q=ESOL/.test(back) && /cost=free/.test(back) : back === '/',
    `${tag}: "Back to search" ${js ? 'returns to the last search' : 'goes to the search page'} (${back})`);
  if (shots) {
    await axe(page, 'service');
    await shoot(page, 'service');
    /* A service other sources list too: they are named, linked and accessible. */
    const res = await (await fetch(`${base}/api/v1/search?per_page=100`)).json();
    const dup = (res.results || []).find((h) => h.also_listed_by);
    check(!!dup, 'the sample has a service listed by several sources');
    if (dup) {
      await page.goto(`${base}/services/${dup.id}`);
      const h = await page.locator('#sources-h').innerText().catch(() => '');
      check(h.startsWith(`Also listed by ${dup.also_listed_by} other source`), `service page: "${h}" names the other sources`);
      check(await page.locator('.sources li a[href^="/services/"]').count() === dup.also_listed_by,
        'service page: each other listing is linked');
      await axe(page, 'service-sources');
    }
  }

  /* No results: kind, with broader searches. */
  await page.goto(base + '/?q=ESOL&borough=city-of-london&language=so');
  const none = await page.locator('.none').innerText().catch(() => '');
  check(/could not find any services/.test(none), `${tag}: no results says so`);
  const alts = await page.locator('.none li').allInnerTexts();
  check(alts.length >= 1 && alts.every((t) => /\((\d+) services?\)/.test(t) && !/\(0 /.test(t)),
    `${tag}: no results offers broader searches, each with how many it finds (${alts})`);
  if (shots) {
    await axe(page, 'no-results');
    await shoot(page, 'no-results');
  }
  const altHref = await page.locator('.none li a').first().getAttribute('href');
  const altWant = parseInt((/\((\d+) services?\)/.exec(alts[0] || '') || [])[1] || '-1', 10);
  await page.goto(base + altHref);
  check((await page.locator('#count').innerText()).startsWith(String(altWant)),
    `${tag}: the broader search finds what it promised (${altWant})`);
  /* A misspelling that finds nothing: the corrected word is searched, and
   * the page says so. */
  await page.goto(base + '/?q=intervew');
  const said = (await page.locator('#results p.notice').allInnerTexts()).join(' ');
  check(/showing results for “interview”/.test(said), `${tag}: a misspelling is corrected, and said so ("${said}")`);
  check(await page.locator('li.hit').count() > 0, `${tag}: the corrected search finds services`);
    /* An unknown postcode is explained, not an error. */
  await page.goto(base + '/?q=cv&near=ZZ99+9ZZ');
  check(/could not find the postcode/.test(await page.locator('main').innerText()), `${tag}: an unknown postcode is explained`);
  await page.close();
}

/* The first result's name is on the first screen (no scrolling past the
 * form) at a phone's and a desktop's size. */
async function resultsFirst(page, tag) {
  for (const [w, h] of [[375, 812], [1280, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate(() => window.scrollTo(0, 0));
    const r = await page.evaluate(() => {
      const el = document.querySelector('#results li.hit h4');
      return el ? el.getBoundingClientRect().bottom : 1e9;
    });
    check(r <= h, `${tag}: the first result is on the first screen at ${w}x${h} (its name ends at ${Math.round(r)} px)`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function coach(ctx, base, js, shots) {
  const tag = js ? 'js' : 'nojs';
  const page = await ctx.newPage();
  watchPage(page, `coach ${tag}`);
  /* Counted: every page load, field and click until the results show
   * (issue 13: 8 before, with 2,100-3,800 px of scrolling after). */
  let actions = 0;
  const act = async (p) => { actions++; return p; };
  await act(page.goto(base + '/coach'));
  if (shots) await axe(page, 'coach-form');
  await act(page.getByLabel('Age', { exact: true }).fill('19'));
  await act(page.getByLabel("Client's postcode").fill('E8 1DY'));
  await act(page.getByLabel('Benefits they get').selectOption('universal-credit'));
  await act(page.getByLabel('Work situation').selectOption('unemployed'));
  await act(page.getByLabel('CVs and job applications').check());
  await act(Promise.all([page.waitForURL(/age=19/), page.getByRole('button', { name: 'Find services' }).click()]));
  console.log(`  coach ${tag}: ${actions} actions to reach results`);
  check(actions <= 7, `${tag}: at most 7 actions to reach results (${actions}; 8 before)`);
  await resultsFirst(page, tag);
  const answers = await page.locator('#answers').innerText();
  check(/Where they live: Hackney/.test(answers) && /Young people/.test(answers),
    `${tag}: the answers are summarised, the borough and "young people" taken from the postcode and age`);
  check(!(await page.locator('#screen').isVisible()), `${tag}: the form is folded behind "Change answers"`);
  await page.getByText('Change answers').click();
  check(await page.locator('#screen').isVisible(), `${tag}: "Change answers" opens the form, answers kept`);
  check((await page.getByLabel("Client's postcode").inputValue()) === 'E8 1DY', `${tag}: the postcode is kept in the form`);
  await page.getByText('Change answers').click();
  const res = await page.locator('#results').innerText();
  check(/Likely eligible \(\d+\)/.test(res), `${tag}: results grouped, "Likely eligible" first`);
  check(/Yes: (Covers Hackney|Open to people from anywhere in London|.*Hackney)/.test(res) || /Yes: .*19/.test(res),
    `${tag}: reasons say why the client fits (where, or age)`);
  check(/Yes:|Check:|No:|Note:/.test(res), `${tag}: each reason is marked in words, not only colour`);
  check(/Distances from E8 1DY/.test(res) && /miles away/.test(res), `${tag}: distances from the client's postcode`);
  if (shots) {
    await page.setViewportSize({ width: 375, height: 812 });
    await axe(page, 'coach results at 375 px');
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  const add = page.locator('a.add');
  check(await add.count() >= 2, `${tag}: services can be added to the shortlist`);
  const n1 = await page.locator('.group.yes li.hit h4').first().innerText();
  /* With JavaScript the shortlist changes in place: the page is not
   * loaded again (a mark set on this document survives). */
  await page.evaluate(() => { window.__samePage = true; });
  const firstHit = await page.locator('li.hit').filter({ has: page.locator('a.add') }).first().getAttribute('id');
  await add.first().click();
  await page.waitForFunction(() => document.querySelectorAll('.shortlist ol.sl > li').length === 1, null, { timeout: 15000 }).catch(() => {});
  await page.waitForURL(/s=[0-9a-f-]{36}/, { timeout: 15000 }).catch(() => {});
  const same = await page.evaluate(() => window.__samePage === true);
  check(same === js, `${tag}: ${js ? 'adding does not reload the page' : 'adding loads the page with the shortlist'} (same page: ${same})`);
  check(/s=[0-9a-f-]{36}/.test(page.url()), `${tag}: the shortlist is in the address (${page.url().slice(-45)})`);
  if (js) {
    const live = await page.locator('#coach-live').textContent();
    check(live === `Added to the shortlist: ${n1}`, `js: the change is announced ("${live}")`);
    const inHit = await page.evaluate((id) => !!document.activeElement.closest('#' + CSS.escape(id)), firstHit);
    check(inHit, `js: focus stays on the service just added (${firstHit})`);
  } else {
    check(/#r-[0-9a-f-]{36}$/.test(page.url()), `nojs: adding returns to the same place in the results (${page.url().slice(-40)})`);
  }
  await page.locator('a.add').first().click();
  await page.waitForFunction(() => document.querySelectorAll('.shortlist ol.sl > li').length === 2, null, { timeout: 15000 }).catch(() => {});
  await page.waitForURL(/s=.*s=/, { timeout: 15000 }).catch(() => {});
  check(await page.locator('.shortlist ol.sl > li').count() === 2, `${tag}: the shortlist holds 2 services`);
  check(/s=.*s=/.test(page.url()), `${tag}: both are in the address`);
  if (js) {
    /* Remove in place too, then add again; the answers form follows. */
    await page.locator('.shortlist a.rm').last().click();
    await page.waitForFunction(() => document.querySelectorAll('.shortlist ol.sl > li').length === 1, null, { timeout: 15000 }).catch(() => {});
    check(await page.locator('.shortlist ol.sl > li').count() === 1 && await page.evaluate(() => window.__samePage === true),
      'js: removing works in place');
    check(await page.locator('#screen input[name=s]').count() === 1, 'js: the answers form carries the new shortlist');
    await page.locator('a.add').first().click();
    await page.waitForFunction(() => document.querySelectorAll('.shortlist ol.sl > li').length === 2, null, { timeout: 15000 }).catch(() => {});
    check(await page.locator('.shortlist ol.sl > li').count() === 2, 'js: added again');
  }
  const text = await page.locator('#astext').inputValue();
  check(text.includes(n1), `${tag}: "copy as text" holds the services ("${n1}")`);
  check(/Phone: |Email: /.test(text), `${tag}: the text has contact details`);
  const share = await page.locator('#share').inputValue();
  check(/\/coach\?(.*&)?s=[0-9a-f-]{36}&s=[0-9a-f-]{36}$/.test(share) && !/age=|borough=|benefit=/.test(share),
    `${tag}: the share link encodes only the shortlist (${share})`);
  check((await page.locator('button.copy').first().isVisible()) === js, `${tag}: copy buttons only with JavaScript`);
  if (js) {
    /* "Copy text" puts the shortlist on the clipboard and says so. */
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.locator('button.copy[data-copy=astext]').click();
    await page.waitForFunction(() => /Copied/.test(document.querySelector('#astext ~ .copied').textContent),
      null, { timeout: 5000 }).catch(() => {});
    const clip = await page.evaluate(() => navigator.clipboard.readText()).catch((err) => 'ERR ' + err);
    check(clip === text, `js: "Copy text" copies the shortlist (${clip.slice(0, 40)})`);
    check(/Copied/.test(await page.locator('#astext ~ .copied').textContent()), 'js: the copy is confirmed in words');
  }
  if (shots) {
    await axe(page, 'coach');
    await shoot(page, 'coach');
  }
  /* The shared link opens the same shortlist. */
  const p2 = await ctx.newPage();
  await p2.goto(share.replace(/^https?:\/\/[^/]+/, base));
  check(await p2.locator('.shortlist ol.sl > li').count() === 2, `${tag}: the shared link shows the same shortlist`);
  await p2.close();

  /* Notes and next steps go on the printout through the URL only. */
  await page.getByLabel('Notes and next steps for your client').fill('Phone on Monday.\nTake your CV.');
  await Promise.all([page.waitForURL(/print=1/), page.getByRole('button', { name: 'Print for client' }).click()]);
  check((await page.locator('h1').innerText()) === 'Services to contact', `${tag}: the print page says what it is`);
  const notes = await page.locator('.notes').innerText().catch(() => '');
  check(/Notes and next steps from your coach/.test(notes) && /Phone on Monday\.\s+Take your CV\./.test(notes),
    `${tag}: the printout has the coach's notes, lines kept (${notes.slice(0, 80)})`);
  check(await page.locator('section.card .route').count() === 2, `${tag}: the printout says how to join each service`);
  check(await page.locator('section.card .why').count() >= 1, `${tag}: the printout says why a service fits`);
  check(await page.locator('section.card').count() === 2, `${tag}: the print page has both services`);
  const ptext = await page.locator('main').innerText();
  check(ptext.includes(n1), `${tag}: the print page names the services`);
  check(/When you call, you could say/.test(ptext), `${tag}: the print page says what to say when calling`);
  check((await page.locator('#print-now').isVisible()) === js, `${tag}: the print button only with JavaScript`);
  await page.emulateMedia({ media: 'print' });
  const hidden = await page.evaluate(() => getComputedStyle(document.querySelector('.top')).display);
  check(hidden === 'none', `${tag}: the printout has no site header`);
  if (shots) await page.screenshot({ path: path.join(OUT, 'print-media.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  if (shots) {
    await axe(page, 'print');
    await shoot(page, 'print');
  }
  await page.close();
}

async function hostile(ctx, base) {
  const manifest = JSON.parse(fs.readFileSync(path.join(SOURCE, 'data', 'sample', 'manifest.json'), 'utf8'));
  const ids = manifest.hostile || [];
  check(ids.length > 0, 'the sample lists hostile records');
  const page = await ctx.newPage();
  watchPage(page, 'hostile');
  for (const id of ids) {
    const r = await page.goto(`${base}/services/${id}`);
    check(r.status() === 200, `hostile ${id}: page is 200`);
    await inert(page, `hostile ${id}`);
    const h1 = await page.locator('h1').innerText();
    const api = await (await fetch(`${base}/api/v1/services/${id}`)).json();
    check(h1 === api.name, `hostile ${id}: the name shows as the literal text ("${h1}")`);
    wellFormed(await (await fetch(`${base}/services/${id}`)).text(), `hostile ${id}`);
  }
  /* The same records in search results and on the coach page. */
  for (const url of ['/?q=TEST+DATA', '/?q=test+data&near=E8', `/coach?q=TEST+DATA&age=30&s=${ids.join('&s=')}`,
    `/coach?print=1&s=${ids.join('&s=')}`]) {
    await page.goto(base + url);
    await inert(page, `hostile ${url}`);
  }
  /* Readers turn a provider's markup into text (feeds/text.c), so the
   * hostile records' <script> is removed before the portal sees it; what
   * is left shows, and nothing of it runs (inert, above). */
  check(/TEST DATA/.test(await page.locator('main').innerText()), 'hostile: the records show');
  /* Hostile request parameters are escaped: shown as the literal text. */
  await page.goto(base + '/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&near=%3Cscript%3E');
  await inert(page, 'hostile query');
  check(/<img src=x|<script>/.test(await page.locator('body').innerText()) ||
        (await page.locator('input[name=q]').inputValue()).includes('<img src=x'),
        'hostile query: the words show as literal text');
  await page.goto(base + '/coach?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&age=abc&borough=%3Cb%3E');
  await inert(page, 'hostile coach query');
  await page.close();
}

/* The HTML as sent is well formed: every non-void element closed in order,
 * no duplicate ids (the browser would silently repair either). */
const VOID = new Set(['meta', 'link', 'input', 'br', 'img', 'hr', 'source', 'area', 'base', 'col', 'embed', 'wbr']);
function wellFormed(html, name) {
  const stack = [];
  const ids = new Set();
  const errs = [];
  const body = html.replace(/<textarea[^>]*>[\s\S]*?<\/textarea>/g, '<textarea></textarea>');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const [, close, tagRaw, attrs] = m;
    const tag = tagRaw.toLowerCase();
    const id = /\sid="([^"]*)"/.exec(attrs);
    if (!close && id) {
      if (ids.has(id[1])) errs.push(`duplicate id ${id[1]}`);
      ids.add(id[1]);
    }
    if (VOID.has(tag)) continue;
    if (!close) stack.push(tag);
    else if (stack[stack.length - 1] === tag) stack.pop();
    else errs.push(`</${tag}> closes <${stack[stack.length - 1]}>`);
  }
  if (stack.length) errs.push(`unclosed ${stack.join(' ')}`);
  check(errs.length === 0, `${name}: HTML well formed (${errs.slice(0, 3).join('; ')})`);
}

/* Bytes of each page type and server time, measured on the sample. */
async function measure(base, ids) {
  const pages = {
    'home (/)': '/',
    'results (/?q=ESOL&near=E8 1DY)': '/?q=ESOL&near=E8+1DY',
    'no results': '/?q=ESOL&borough=city-of-london&language=so',
    'service (/services/{id})': `/services/${ids.service}`,
    'coach form (/coach)': '/coach',
    'coach results + shortlist': `/coach?age=19&borough=hackney&group=young-people&need=cv-and-applications&s=${ids.service}`,
    'print (/coach?print=1)': `/coach?print=1&s=${ids.service}`,
    'portal.css': '/static/portal.css',
    'portal.js': '/static/portal.js',
  };
  const out = {};
  for (const [name, url] of Object.entries(pages)) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < 21; i++) {
      const t0 = process.hrtime.bigint();
      const r = await fetch(base + url);
      const b = await r.arrayBuffer();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes = b.byteLength;
      if (i === 0 && !url.startsWith('/static/')) wellFormed(Buffer.from(b).toString('utf8'), name);
    }
    times.sort((a, b) => a - b);
    out[name] = { bytes, median_ms: +times[10].toFixed(2), max_ms: +times[20].toFixed(2) };
    check(bytes < 60 * 1024 || name.endsWith('.css'), `${name} is under 60 KB (${bytes} bytes)`);
  }
  console.log('page weights and response times (21 requests each, loopback):');
  for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(34)} ${String(v.bytes).padStart(7)} B  median ${v.median_ms} ms  max ${v.max_ms} ms`);
  fs.writeFileSync(path.join(OUT, 'metrics.json'), JSON.stringify(out, null, 1));
}

/* Issue 13 items 3, 4 and 6, at 375 and 1280 px: a results page puts the
 * first result on the first screen with the form folded into "… change
 * search"; the guided questions end in a normal results page whose answers
 * are removable filters; "When can you go?" filters by day and open now,
 * with the API's counts. */
async function phoneGuidedHours(ctx, base, js) {
  const tag = js ? 'js' : 'nojs';
  const page = await ctx.newPage();
  watchPage(page, `guided ${tag}`);
  const api = async (qs) => (await (await fetch(base + '/api/v1/search?' + qs)).json()).total;
  for (const w of [375, 1280]) {
    const at = `${tag} ${w}px`;
    await page.setViewportSize({ width: w, height: w === 375 ? 812 : 900 });

    /* 6: phone first. */
    await page.goto(base + '/?q=ESOL&borough=newham');
    const sum = page.locator('#change > summary');
    const sumText = (await sum.innerText()).replace(/\s+/g, ' ');
    check(/ESOL in Newham/.test(sumText) && /Change search/.test(sumText),
      `${at}: the search folds into "ESOL in Newham - Change search" ("${sumText}")`);
    const top = await page.locator('li.hit h3').first().boundingBox();
    check(top && top.y + top.height <= (w === 375 ? 812 : 900),
      `${at}: the first result is on the first screen (its heading ends at ${top && Math.round(top.y + top.height)} px)`);
    const open = await page.locator('#change').evaluate((d) => d.open);
    check(open === (js && w >= 1024), `${at}: the form is ${js && w >= 1024 ? 'open on a wide screen with JavaScript' : 'folded'}`);
    if (!open) {
      check(!(await page.locator('#q').isVisible()), `${at}: the words box is folded away`);
      await sum.click();
    }
    check(await page.locator('#q').isVisible() && (await page.locator('#q').inputValue()) === 'ESOL',
      `${at}: "Change search" opens the form with the words in it`);
    if (js) await axe(page, `results-folded-${w}`); /* the same HTML without JavaScript */

    /* 3: guided search, linked from the home page. */
    await page.goto(base + '/');
    await Promise.all([page.waitForURL(/\/guided/),
      page.getByRole('link', { name: /Answer 4 short questions/ }).click()]);
    check(await page.locator('h1').innerText() === 'Find help that fits you', `${at}: the guided page`);
    check(await page.locator('form.guided fieldset legend').count() === 4, `${at}: four questions, each a fieldset with a legend`);
    if (js) await axe(page, `guided-${w}`); /* the same HTML without JavaScript */
    await page.getByLabel('Learning English').check();
    await page.getByLabel('Borough').selectOption('newham');
    await page.getByLabel('18 to 24').check();
    await page.getByLabel('I get Universal Credit').check();
    await Promise.all([page.waitForURL(/category=esol/), page.getByRole('button', { name: 'Show services' }).click()]);
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    check(url.pathname === '/' && url.searchParams.get('borough') === 'newham' && url.searchParams.get('age') === '18' &&
      url.searchParams.get('benefits') === 'universal-credit', `${at}: the answers are a normal search (${url.search})`);
    const want = await api('category=esol&borough=newham&age=18&benefits=universal-credit');
    const count = await page.locator('#count').innerText();
    check(new RegExp(`^${want} services? found|^1 service found`).test(count), `${at}: guided results count ${count}, API ${want}`);
    const chips = (await page.locator('.chosen .chip').allInnerTexts()).join(' | ');
    for (const c of ['Newham', 'Universal Credit', '18'])
      check(chips.includes(c), `${at}: the answer "${c}" is a removable filter (${chips})`);
    await Promise.all([page.waitForURL((u) => !/benefits=/.test(u.toString())),
      page.locator('.chosen .chip', { hasText: 'Universal Credit' }).click()]);
    check(!/benefits=/.test(page.url()) && /borough=newham/.test(page.url()), `${at}: removing one answer keeps the others`);

    /* 4: when can you go? */
    await page.goto(base + '/?category=esol');
    await page.locator('#filters details.when > summary').click();
    const sat = await api('category=esol&day=SA');
    /* the hours facet: each choice says how many it would find, as the API counts it */
    const satOption = (await page.locator('#f-day option[value="SA"]').innerText()).trim();
    check(satOption === `Saturday (${sat})`, `${at}: the Saturday choice shows its count (${satOption}, API ${sat})`);
    if (js) {
      await page.locator('#f-day').selectOption('SA');
      await page.locator('.when-chosen .chip', { hasText: 'Saturday' }).waitFor();
    } else {
      await page.locator('#f-day').selectOption('SA');
      await Promise.all([page.waitForURL(/day=SA/), page.getByRole('button', { name: 'Apply filters' }).click()]);
    }
    const satCount = await page.locator('#count').innerText();
    check(satCount.startsWith(`${sat} service`), `${at}: ESOL on Saturdays: ${satCount}, API ${sat}`);
    check(/day=SA/.test(page.url()), `${at}: the day is in the address (${page.url()})`);
    if (js) await axe(page, `results-hours-${w}`); /* the same HTML without JavaScript */
    await Promise.all([page.waitForURL((u) => !/day=/.test(u.toString())),
      page.locator('.when-chosen .chip', { hasText: 'Saturday' }).click()]);
    check(await page.locator('.when-chosen').count() === 0, `${at}: the day filter is removed`);
    await page.goto(base + '/?category=esol&open=now');
    const nowApi = await api('category=esol&open=now');
    const nowCount = await page.locator('#count').innerText();
    check(nowCount.startsWith(`${nowApi} service`) || nowCount.startsWith('1 service') && nowApi === 1,
      `${at}: open now: ${nowCount}, API ${nowApi}`);
    check(await page.locator('.when-chosen .chip', { hasText: 'Open now' }).count() === 1, `${at}: "Open now" is a removable filter`);
  }
  await page.close();
}

async function main() {
  fs.mkdirSync(path.join(OUT, 'docs'), { recursive: true });
  let tmp = null;
  let store = process.env.SIGNPOST_WEB_STORE;
  if (!store) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-web-'));
    store = path.join(tmp, 'store');
    B.indexSample(store);
  }
  const srv = await B.serve(store);
  const base = `http://127.0.0.1:${srv.port}`;
  let browser = null;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-chromium-'));
  try {
    check(await B.waitHealthy(base), 'searchd answers /healthz');
    browser = await B.launch(true, { profile });
    await jobseeker(browser, base, true, true);
    await phoneGuidedHours(browser, base, true);
    await coach(browser, base, true, true);
    await hostile(browser, base);
    await browser.close();
    browser = await B.launch(false, { profile: profile + '-nojs' });
    await jobseeker(browser, base, false, false);
    await phoneGuidedHours(browser, base, false);
    await coach(browser, base, false, false);
    await browser.close();
    browser = null;
    const sr = await (await fetch(base + '/api/v1/search?q=ESOL&near=E8+1DY&per_page=1')).json();
    await measure(base, { service: sr.results[0].id });
  } catch (e) {
    check(false, 'journeys ran to the end: ' + (e && e.stack || e));
  } finally {
    if (browser) await browser.close().catch(() => {});
    await B.stop(srv);
    check(srv.exitCode === 0, `searchd stopped cleanly on SIGTERM (exit ${srv.exitCode}, signal ${srv.signalCode})`);
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(profile + '-nojs', { recursive: true, force: true });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  B.finish('web journeys');
}

main();
