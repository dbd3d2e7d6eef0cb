#!/usr/bin/env node
/*
 * journeys_i18n.cjs - the portal in other languages, in real headless
 * Chromium, with JavaScript on and off, at 375 and 1280 px: a jobseeker
 * picks Polish in the language picker, searches and opens a service (the
 * choice travels as ?lang= through the form and every link; the service's
 * own text stays marked lang="en"); Arabic pages are dir="rtl" and the
 * results really render right to left without sideways scrolling; a
 * browser that asks for Polish (Accept-Language) gets Polish on its first
 * visit and can choose English; an unknown ?lang= gives English; a
 * catalogue without a word shows that word in English (a second server
 * with a trimmed copy of web/i18n); Arabic facet labels, chips, "When"
 * choices (with the API's hours facet counts) and guided questions.
 * axe-core checks each page.  The browser, server and checks:
 * lib/browser.cjs.
 *
 * Usage: node journeys_i18n.cjs SIGNPOST_BIN (exit 77 without chromium).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const J = require('./lib/browser.cjs');

const { check } = J;
const launch = (profile, js, locale) => J.launch(js, { profile, locale });

const htmlAttrs = (page) => page.evaluate(() =>
  ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));

/* Polish through the picker: search, results, a service, back. */
async function polish(ctx, base, js, shots) {
  const tag = js ? 'js' : 'no-js';
  const page = await ctx.newPage();
  J.watchPage(page, `polish ${tag}`);
  await page.goto(base + '/');
  check((await htmlAttrs(page)).lang === 'en', `${tag}: the home page starts in English`);
  const picker = page.locator('nav.langs');
  const names = await picker.locator('a, span').allTextContents();
  for (const n of ['English', 'Polski', 'Română', 'বাংলা', 'Português', 'العربية'])
    check(names.includes(n), `${tag}: the picker offers ${n} (${names.join(', ')})`);
  check(await picker.locator('a[lang="ar"]').count() === 1, `${tag}: each language is marked with its own lang`);
  await Promise.all([page.waitForURL(/lang=pl/), picker.getByRole('link', { name: 'Polski' }).click()]);
  let a = await htmlAttrs(page);
  check(a.lang === 'pl' && a.dir === 'ltr', `${tag}: Polski gives <html lang=pl dir=ltr> (${a.lang} ${a.dir})`);
  check(await picker.locator('[aria-current="true"]').textContent() === 'Polski', `${tag}: the picker marks Polski as current`);
  await page.getByLabel('Jakiej pomocy szukasz?').fill('ESOL');
  await Promise.all([page.waitForURL(/q=ESOL/), page.getByRole('button', { name: 'Szukaj', exact: true }).click()]);
  await page.waitForLoadState('load');
  check(/[?&]lang=pl/.test(page.url()), `${tag}: the search form carries lang=pl (${page.url()})`);
  a = await htmlAttrs(page);
  check(a.lang === 'pl', `${tag}: results in Polish (${a.lang})`);
  const count = (await page.locator('#count').textContent()).trim();
  const m = /^Znaleziono (\d+) (usługa|usługę|usługi|usług)/.exec(count);
  check(m, `${tag}: the count is in Polish: "${count}"`);
  if (m) {
    const n = Number(m[1]);
    const form = n === 1 ? 'usługę' : (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20)) ? 'usługi' : 'usług';
    check(m[2] === form, `${tag}: the Polish plural form for ${n} is "${form}" (got "${m[2]}")`);
  }
  const h3 = page.locator('li.hit h3').first();
  check(await h3.getAttribute('lang') === 'en', `${tag}: a result's name (the provider's words) is marked lang=en`);
  const hrefs = await page.locator('main a[href^="/"]').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
  const lost = hrefs.filter((h) => !/[?&]lang=pl/.test(h));
  check(hrefs.length > 5 && lost.length === 0, `${tag}: every link in the results keeps lang=pl (${lost.slice(0, 3)})`);
  if (shots) {
    await J.axe(page, 'results-pl');
    await J.shoot(page, 'results-pl');
  }
  await Promise.all([page.waitForURL(/\/services\//), h3.locator('a').click()]);
  check(/[?&]lang=pl/.test(page.url()), `${tag}: the service page keeps lang=pl`);
  check((await htmlAttrs(page)).lang === 'pl', `${tag}: the service page is in Polish`);
  check(await page.getByRole('heading', { name: 'Jak się skontaktować' }).count() === 1,
    `${tag}: the service page's headings are Polish`);
  check(await page.locator('h1').getAttribute('lang') === 'en', `${tag}: the service's name is marked lang=en`);
  if (shots) {
    await J.axe(page, 'service-pl');
    await J.shoot(page, 'service-pl');
  }
  await Promise.all([page.waitForURL(/lang=pl/), page.locator('a.brand').click()]);
  check((await htmlAttrs(page)).lang === 'pl', `${tag}: the site name link goes home in Polish`);
  await page.close();
}

/* Arabic: right to left, and the layout follows. */
async function arabic(ctx, base, js, shots) {
  const tag = js ? 'js' : 'no-js';
  const page = await ctx.newPage();
  J.watchPage(page, `arabic ${tag}`);
  await page.goto(base + '/?q=ESOL&lang=ar');
  const a = await htmlAttrs(page);
  check(a.lang === 'ar' && a.dir === 'rtl', `${tag}: Arabic gives <html lang=ar dir=rtl> (${a.lang} ${a.dir})`);
  check(/خدم/.test(await page.locator('#count').textContent()), `${tag}: the Arabic count`);
  for (const w of [375, 1280]) {
    await page.setViewportSize({ width: w, height: w === 375 ? 812 : 900 });
    const r = await page.evaluate(() => {
      /* The results' own column: on a wide screen the filters sit beside
       * it (on its right, right to left). */
      const col = document.querySelector('.results').getBoundingClientRect();
      const main = document.querySelector('main').getBoundingClientRect();
      const label = document.querySelector('label[for="q"]').getBoundingClientRect();
      const hit = document.querySelector('li.hit h3 a');
      const box = hit.getBoundingClientRect();
      return { dir: getComputedStyle(document.querySelector('.hits')).direction,
        mainL: main.left, mainR: main.right, labelL: label.left, labelR: label.right,
        hitL: box.left, hitR: box.right, colL: col.left, colR: col.right, sw: document.documentElement.scrollWidth,
        hitDir: getComputedStyle(hit).direction };
    });
    check(r.dir === 'rtl', `${tag} ${w}px: the results flow right to left (${r.dir})`);
    check(Math.abs(r.labelR - r.mainR) < 40 && r.labelL > r.mainL + 5,
      `${tag} ${w}px: the search label starts at the right edge (label ${r.labelL}-${r.labelR}, main ${r.mainL}-${r.mainR})`);
    check(r.hitR > r.colR - 60, `${tag} ${w}px: a result's name starts on the right of its column (${r.hitL}-${r.hitR} in ${r.colL}-${r.colR})`);
    check(w < 1000 || r.colL < r.mainL + 40, `${tag} ${w}px: the filters are on the right, the results on the left (results ${r.colL}-${r.colR} in ${r.mainL}-${r.mainR})`);
    check(r.sw <= w, `${tag} ${w}px: nothing scrolls sideways right to left (scrollWidth ${r.sw})`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  if (shots) {
    await J.axe(page, 'results-ar');
    await J.shoot(page, 'results-ar');
  }
  const first = page.locator('li.hit h3 a').first();
  await Promise.all([page.waitForURL(/\/services\//), first.click()]);
  check((await htmlAttrs(page)).dir === 'rtl' && /lang=ar/.test(page.url()), `${tag}: the service page is right to left too`);
  if (shots) await J.axe(page, 'service-ar');
  await page.close();
  /* An error page in Arabic, with its way home in Arabic (a page that
   * does not watch for the 404 console message). */
  const page2 = await ctx.newPage();
  await page2.goto(base + '/no/such/page?lang=ar');
  check((await htmlAttrs(page2)).dir === 'rtl', `${tag}: the 404 page is in Arabic`);
  check(await page2.getByRole('link', { name: 'انتقل إلى صفحة البحث' }).getAttribute('href') === '/?lang=ar',
    `${tag}: the 404 page's link home keeps Arabic`);
  if (shots) await J.axe(page2, '404-ar');
  await page2.close();
}

/* Arabic words for the vocabularies: the facets' values, the chosen
 * filter's chip, the When choices with their counts (the API's hours
 * facet), the guided questions' options. */
async function arabicLabels(ctx, base, js) {
  const tag = js ? 'js' : 'no-js';
  const page = await ctx.newPage();
  J.watchPage(page, `arabic labels ${tag}`);
  await page.goto(base + '/?category=esol&lang=ar');
  const esol = (await page.locator('label[for="f-category-esol"]').textContent()).trim();
  check(esol.startsWith('ESOL (الإنجليزية للناطقين بلغات أخرى)'), `${tag}: the category facet's label is Arabic ("${esol}")`);
  const groups = await page.locator('label[for^="f-group-"]').allTextContents();
  const english = groups.filter((g) => /^[A-Za-z ,()]+\(\d+\)$/.test(g.trim()));
  check(groups.length > 3 && english.length === 0, `${tag}: every group in the facet is in Arabic (${english.slice(0, 3)})`);
  const langs = await page.locator('label[for^="f-language-"]').allTextContents();
  const latinLangs = langs.filter((g) => /^[A-Za-z ()]+\(\d+\)$/.test(g.trim()));
  check(langs.length > 2 && latinLangs.length === 0, `${tag}: the languages spoken are named in Arabic (${latinLangs.slice(0, 3)})`);
  const chips = await page.locator('a.chip').allTextContents();
  check(chips.some((c) => c.includes('الإنجليزية للناطقين بلغات أخرى')), `${tag}: the chosen category's chip is in Arabic (${chips})`);
  const options = await page.locator('#f-day option').allTextContents();
  const api = await (await fetch(base + '/api/v1/search?category=esol')).json();
  const sat = api.facets.day.find((d) => d.value === 'SA');
  check(options.some((o) => o.trim() === `السبت (${sat.count})`),
    `${tag}: the When filter offers Saturday in Arabic with the API's count ${sat.count} (${options})`);
  const parts = await page.locator('#f-time option').allTextContents();
  const eve = api.facets.time.find((d) => d.value === 'evening');
  check(parts.some((o) => o.trim() === `المساء (بعد 17:00) (${eve.count})`),
    `${tag}: the parts of the day are Arabic with the API's counts (${parts})`);
  await page.goto(base + '/guided?lang=ar');
  check((await htmlAttrs(page)).dir === 'rtl', `${tag}: the guided questions are right to left`);
  const legends = await page.locator('legend').allTextContents();
  check(legends.some((l) => l.includes('ما الذي تريد المساعدة فيه؟')), `${tag}: the guided questions are Arabic (${legends})`);
  const answers = await page.locator('main label').allTextContents();
  for (const w of ['تعلم اللغة الإنجليزية', 'أتلقى الائتمان الشامل (Universal Credit)', 'من 18 إلى 24'])
    check(answers.some((x) => x.includes(w)), `${tag}: the guided questions offer "${w}"`);
  const latin = answers.filter((x) => /^[A-Za-z][A-Za-z ,()]+$/.test(x.trim()));
  check(latin.length === 0, `${tag}: no guided answer left in English (${latin.slice(0, 3)})`);
  if (js) await J.axe(page, 'guided-ar');
  await page.close();
}

/* The first visit follows Accept-Language; an explicit choice wins. */
async function firstVisit(profile, base, js) {
  const tag = js ? 'js' : 'no-js';
  const ctx = await launch(profile, js, 'pl-PL');
  const page = await ctx.newPage();
  J.watchPage(page, `accept-language ${tag}`);
  await page.goto(base + '/');
  check((await htmlAttrs(page)).lang === 'pl', `${tag}: Accept-Language pl-PL: the first visit is in Polish`);
  check(await page.locator('input[name="lang"]').count() === 0,
    `${tag}: a language from Accept-Language is not written into links (it comes again next time)`);
  await Promise.all([page.waitForURL(/lang=en/), page.locator('nav.langs').getByRole('link', { name: 'English' }).click()]);
  check((await htmlAttrs(page)).lang === 'en', `${tag}: choosing English overrides Accept-Language`);
  await page.getByLabel('What help are you looking for?').fill('cv');
  await Promise.all([page.waitForURL(/q=cv/), page.getByRole('button', { name: 'Search', exact: true }).click()]);
  await page.waitForLoadState('load');
  check((await htmlAttrs(page)).lang === 'en' && /lang=en/.test(page.url()),
    `${tag}: the English choice survives the search (${page.url()})`);
  await page.goto(base + '/?lang=xx');
  check((await htmlAttrs(page)).lang === 'pl', `${tag}: an unknown ?lang= falls back to Accept-Language`);
  await page.goto(base + '/coach?lang=pl');
  const c = await htmlAttrs(page);
  check(c.lang === 'en' && await page.locator('nav.langs').count() === 0,
    `${tag}: the coach page is in English only, without a picker (${c.lang})`);
  await ctx.close();
}

/* A word a catalogue lacks shows in English; an unknown language is
 * English.  A copy of web/ whose Polish lacks the search button. */
async function fallbacks(profile, store, dir) {
  const web = path.join(dir, 'web');
  fs.mkdirSync(path.join(web, 'i18n'), { recursive: true });
  /* A copy, not a link: searchd finds the words beside the real static/. */
  fs.cpSync(path.join(J.SOURCE, 'web', 'static'), path.join(web, 'static'), { recursive: true });
  fs.copyFileSync(path.join(J.SOURCE, 'web', 'i18n', 'en.tsv'), path.join(web, 'i18n', 'en.tsv'));
  const po = fs.readFileSync(path.join(J.SOURCE, 'web', 'i18n', 'pl.po'), 'utf8')
    .replace(/msgctxt "search\.go"\nmsgid "Search"\nmsgstr "[^"]*"\n/, '');
  check(!/msgctxt "search\.go"/.test(po), 'the trimmed catalogue lacks search.go');
  fs.writeFileSync(path.join(web, 'i18n', 'pl.po'), po);
  const srv = await J.serve(store, web);
  const base = `http://127.0.0.1:${srv.port}`;
  const ctx = await launch(profile, true, 'en-GB');
  try {
    check(await J.waitHealthy(base), 'the second server answers');
    const page = await ctx.newPage();
    await page.goto(base + '/?lang=pl');
    check(await page.getByLabel('Jakiej pomocy szukasz?').count() === 1, 'fallback server: Polish words');
    check(await page.getByRole('button', { name: 'Search', exact: true }).count() === 1,
      'a word missing from the catalogue shows in English');
    await page.goto(base + '/?lang=klingon');
    check((await htmlAttrs(page)).lang === 'en', 'a ?lang= that is not a language code: English');
    await page.goto(base + '/?lang=de');
    check((await htmlAttrs(page)).lang === 'en', 'a language without a catalogue: English');
    check(await page.locator('nav.langs a').count() === 1, 'the picker lists only the catalogues there are');
  } finally {
    await ctx.close();
    srv.kill('SIGTERM');
  }
}

async function main() {
  fs.mkdirSync(path.join(J.OUT, 'docs'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-i18n-'));
  let store = process.env.SIGNPOST_WEB_STORE;
  if (!store) {
    store = path.join(tmp, 'store');
    J.indexSample(store);
  }
  const srv = await J.serve(store);
  const base = `http://127.0.0.1:${srv.port}`;
  try {
    check(await J.waitHealthy(base), 'searchd answers /healthz');
    for (const js of [true, false]) {
      const ctx = await launch(path.join(tmp, `profile-${js}`), js, 'en-GB');
      await polish(ctx, base, js, js);
      await arabic(ctx, base, js, js);
      await arabicLabels(ctx, base, js);
      await ctx.close();
      await firstVisit(path.join(tmp, `profile-al-${js}`), base, js);
    }
    await fallbacks(path.join(tmp, 'profile-fb'), store, tmp);
  } catch (e) {
    check(false, 'i18n journeys ran to the end: ' + (e && e.stack || e));
  } finally {
    await J.stop(srv);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  J.finish('i18n journeys');
}

main();
