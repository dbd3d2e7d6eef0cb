/*
 * dashboard.cjs - a hub editor's journey in real headless Chromium
 * (tests/web/lib/browser.cjs: playwright-core, axe-core from
 * tests/web/node_modules), against a
 * searchd that test_auth.py started:
 *   node dashboard.cjs BASE NAME PASSWORD
 * /hub sends a stranger to /login; the login form signs NAME in and comes
 * back to /hub; the header links the hub and offers "Sign out"; the first
 * "Not the same" button on a duplicate pair decides (a real form POST from
 * the browser, so its Origin and the CSRF token are Chromium's own) and
 * the dashboard says so; signing out closes the hub again.  With and
 * without JavaScript (one decision each), axe (WCAG 2.2 AA) on the login
 * page and the signed-in dashboard.
 * Exit 77 (skipped) when chromium or node_modules is missing.
 */
'use strict';
const { check, axe, bothWays } = require('../web/lib/browser.cjs');

const base = process.argv[2];
const user = process.argv[3];
const password = process.argv[4];

async function journey(page, js, errors) {
  await page.goto(`${base}/hub`);
  check(new URL(page.url()).pathname === '/login', `a stranger at /hub lands on /login (js ${js}; at ${page.url()})`);
  const labels = await page.$$eval('form.login label', (ls) => ls.map((l) => l.textContent));
  check(labels.includes('Account name') && labels.includes('Password'), 'the login form has labelled fields');
  if (js) await axe(page, 'login');
  await page.fill('#login-name', user);
  await page.fill('#login-password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.login button[type=submit]')]);
  check(new URL(page.url()).pathname === '/hub', `signing in comes back to /hub (at ${page.url()})`);
  const nav = await page.$eval('header.top nav', (n) => n.innerText);
  check(nav.includes('Hub dashboard') && nav.includes(`Sign out (${user})`),
    `the header links the hub and offers sign out (${nav.replace(/\s+/g, ' ')})`);
  const buttons = await page.$$eval('form.decide button', (bs) => bs.map((b) => b.innerText));
  check(buttons.length >= 2 && buttons[0].startsWith('Not the same') && buttons[1].startsWith('Same service'),
    `duplicate pairs have same / not the same buttons (${buttons.slice(0, 2).join(' | ')})`);
  if (js) await axe(page, 'hub, signed in');
  if (js) {
    // in place: the page stays, the row says what was saved
    const before = page.url();
    await page.click('form.decide button');
    const done = await page.waitForSelector('p.done[role=status]', { timeout: 30000 })
      .then((s) => s.innerText()).catch(() => '');
    check(done.includes('Saved: not the same') && page.url() === before,
      `with JavaScript the button decides in place (${done}; at ${page.url()})`);
  } else {
    await Promise.all([page.waitForNavigation(), page.click('form.decide button')]);
    const url = new URL(page.url());
    check(url.pathname === '/hub' && url.searchParams.get('decided') === 'not-same',
      `the button decides and comes back (at ${page.url()})`);
    const status = await page.$eval('[role=status]', (s) => s.innerText).catch(() => '');
    check(status.includes('Decision saved'), `the dashboard says the decision was saved (${status})`);
  }
  await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
  check(new URL(page.url()).pathname === '/', `signing out goes home (at ${page.url()})`);
  const nav2 = await page.$eval('header.top nav', (n) => n.innerText);
  check(!nav2.includes('Hub dashboard'), 'after signing out the header has no hub link');
  await page.goto(`${base}/hub`);
  check(new URL(page.url()).pathname === '/login', 'after signing out /hub asks to sign in again');
}

bothWays('dashboard', journey);
