#!/usr/bin/env python3
"""crawl_test.py - integration tests of `signpost crawl` against the fixture
web server (fixture.c) playing the sample provider sites in sites/.

usage: crawl_test.py CASE SIGNPOST FIXTURE TESTS_CRAWLER_DIR

Each case starts its own fixture server(s) on 127.0.0.1 (random port), runs
the real `signpost crawl`, and checks what landed in STORE/crawl.db and
what the server saw (its /__stats: request counts, order, statuses, user
agents, concurrency).  Assertions are about behaviour (what was fetched,
stored, recorded, skipped), never about speed; the only time figure used
is a lower bound on the gap between two requests to one host, which a
slow machine cannot break.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

CASE, SIGNPOST, FIXTURE, HERE = sys.argv[1:5]
SITES = os.path.join(HERE, 'sites')


def _schema_version():
    """STORE_SCHEMA_VERSION, as crawldb/store.h defines it."""
    with open(os.path.join(HERE, '..', '..', 'crawldb', 'store.h')) as f:
        for line in f:
            if line.startswith('#define STORE_SCHEMA_VERSION '):
                return int(line.split()[2])
    raise SystemExit('crawldb/store.h defines no STORE_SCHEMA_VERSION')


SCHEMA_VERSION = _schema_version()
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what, file=sys.stderr)


class Fixture:
    def __init__(self, root, *args, addr='127.0.0.1'):
        self.p = subprocess.Popen([FIXTURE, root, '--addr', addr, *args],
                                  stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline())
        self.base = 'http://%s:%d' % (addr, self.port)

    def stats(self):
        with urllib.request.urlopen(self.base + '/__stats', timeout=30) as r:
            return json.load(r)

    def reset(self):
        urllib.request.urlopen(self.base + '/__reset', timeout=30).read()

    def count(self, target):
        return self.stats()['counts'].get(target, 0)

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


def write_conf(path, sources, defaults=None):
    with open(path, 'w') as f:
        f.write('# written by crawl_test.py\n')
        # The fixture server is on loopback, which the fetch policy refuses
        # unless allowed by name.
        f.write('[defaults]\nallow_private = 127.0.0.1/32\n')
        for k, v in (defaults or {}).items():
            f.write('%s = %s\n' % (k, v))
        for name, kv in sources:
            f.write('\n[source %s]\n' % name)
            for k, v in kv.items():
                f.write('%s = %s\n' % (k, v))


def crawl(store, conf, *args, expect=0):
    r = subprocess.run([SIGNPOST, 'crawl', '--sources', conf, '--store', store, *args],
                       capture_output=True, text=True, timeout=280)
    if r.returncode != expect:
        print(r.stdout, r.stderr, file=sys.stderr)
    check(r.returncode == expect, 'signpost crawl %s exited %d, expected %d'
          % (' '.join(args), r.returncode, expect))
    return r


def status(store):
    r = subprocess.run([SIGNPOST, 'crawl', '--store', store, '--status'],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, '--status exits 0')
    lines = {}
    for line in r.stdout.splitlines():
        lines[line.split(' ', 1)[0]] = line
    return lines


def db(store):
    c = sqlite3.connect(os.path.join(store, 'crawl.db'), timeout=30)
    c.row_factory = sqlite3.Row
    return c


def docs_by_url(store):
    out = {}
    with db(store) as c:
        for row in c.execute('SELECT url, count(*) n FROM documents GROUP BY url'):
            out[row['url']] = row['n']
    return out


def url_row(store, url):
    with db(store) as c:
        return c.execute('SELECT * FROM urls WHERE url = ?', (url,)).fetchone()


def sample_sources(base, **extra):
    s = [
        ('oruk-a', {'url': base + '/oruk-a/', 'kind': 'oruk', 'organisation': 'Hackney Works',
                    'coverage': 'hackney', 'full_interval': '1d'}),
        ('oruk-b', {'url': base + '/oruk-b/services', 'kind': 'oruk', 'coverage': 'local-london'}),
        ('rss-a', {'url': base + '/rss-a/feed.rss', 'kind': 'rss', 'coverage': 'tower-hamlets'}),
        ('atom-a', {'url': base + '/atom-a/feed.atom', 'kind': 'rss', 'coverage': 'lewisham'}),
        ('sitemap-a', {'url': base + '/sitemap-a/sitemap.xml', 'kind': 'sitemap',
                       'coverage': 'croydon'}),
        ('sitemap-b', {'url': base + '/sitemap-b/sitemap.xml.gz', 'kind': 'sitemap',
                       'coverage': 'bromley'}),
        ('sitemap-c', {'url': base + '/sitemap-c/sitemap.txt', 'kind': 'sitemap',
                       'coverage': 'ealing'}),
        ('html-a', {'url': base + '/html-a/', 'kind': 'html', 'depth': 2, 'coverage': 'camden'}),
        ('html-b', {'url': base + '/html-b/', 'kind': 'html', 'depth': 2, 'coverage': 'brent'}),
        ('datapackage-a', {'url': base + '/datapackage-a/datapackage.json',
                           'kind': 'datapackage', 'coverage': 'southwark'}),
    ]
    for _, kv in s:
        kv.update(extra)
    return s


EXPECTED = ['/oruk-a/', '/oruk-a/services', '/oruk-a/services?page=2',
            '/oruk-a/services/svc-1', '/oruk-a/services/svc-2', '/oruk-a/services/svc-3',
            '/oruk-a/services/svc-4', '/oruk-b/', '/oruk-b/services',
            '/rss-a/feed.rss', '/rss-a/items/1.html', '/rss-a/items/2.html',
            '/rss-a/items/3.html', '/atom-a/feed.atom', '/atom-a/e/1.html', '/atom-a/e/2.html',
            '/sitemap-a/sitemap.xml', '/sitemap-a/pages.xml', '/sitemap-a/p/1.html',
            '/sitemap-a/p/2.html', '/sitemap-a/p/3.html', '/sitemap-b/sitemap.xml.gz',
            '/sitemap-b/p/1.html', '/sitemap-b/p/2.html', '/sitemap-c/sitemap.txt',
            '/sitemap-c/p/1.html', '/sitemap-c/p/2.html', '/html-a/', '/html-a/a.html',
            '/html-a/b.html', '/html-a/latin1.html', '/html-a/deep/c.html',
            '/html-b/', '/html-b/courses.html', '/html-b/news.rss', '/html-b/news/1.html',
            '/datapackage-a/datapackage.json', '/datapackage-a/organizations.csv',
            '/datapackage-a/services.csv']


# ---- cases --------------------------------------------------------------------------

def case_conf(tmp):
    """sources.conf errors name the file and line; usage errors exit 2."""
    confdir = os.path.join(HERE, 'conf')
    n = 0
    for name in sorted(os.listdir(confdir)):
        path = os.path.join(confdir, name)
        with open(path) as f:
            first = f.readline()
        expect = first.split('expect:', 1)[1].strip()
        code = 0 if expect == 'ok' else 2
        r = subprocess.run([SIGNPOST, 'crawl', '--sources', path, '--store',
                            os.path.join(tmp, 'store-' + name), '--once', '--quiet'],
                           capture_output=True, text=True, timeout=60)
        n += 1
        if code == 0:
            # a valid file whose source cannot be reached still exits 0
            check(r.returncode == 0, '%s: exit %d (%s)' % (name, r.returncode, r.stderr))
            continue
        check(r.returncode == 2, '%s: exit %d, expected 2' % (name, r.returncode))
        check(expect in r.stderr, '%s: stderr %r lacks %r' % (name, r.stderr, expect))
        check(r.stderr.count('\n') == 1, '%s: one line on stderr' % name)
    check(n >= 8, 'at least 8 conf cases (found %d)' % n)
    r = subprocess.run([SIGNPOST, 'crawl', '--help'], capture_output=True, text=True)
    check(r.returncode == 0 and '--no-delay' in r.stdout and '--status' in r.stdout,
          '--help lists the options')
    r = subprocess.run([SIGNPOST, 'crawl', '--sources', 'x.conf'], capture_output=True,
                       text=True)
    check(r.returncode == 2 and '--store' in r.stderr, 'missing --store is a usage error')
    r = subprocess.run([SIGNPOST, 'crawl', '--store', tmp, '--bogus'], capture_output=True,
                       text=True)
    check(r.returncode == 2, 'unknown option is a usage error')


def case_basic(tmp):
    """One pass over every kind of sample source stores every good document
    once, follows what each kind leads to, and respects robots.txt."""
    fx = Fixture(SITES)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, sample_sources(fx.base), {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        r = crawl(store, conf, '--once')
        check('new documents' in r.stderr, 'summary printed')
        docs = docs_by_url(store)
        for path in EXPECTED:
            check(docs.get(fx.base + path) == 1, 'one document for %s (got %s)'
                  % (path, docs.get(fx.base + path)))
        st = fx.stats()
        counts = st['counts']
        check(counts.get('/html-a/deep/d.html', 0) == 0, 'depth 3 page not fetched')
        check(counts.get('/html-a/secret/x.html', 0) == 0, 'robots-disallowed page not fetched')
        row = url_row(store, fx.base + '/html-a/secret/x.html')
        check(row is not None and row['state'] == 'failed' and 'robots' in (row['last_error'] or ''),
              'disallowed URL recorded with its reason')
        check(counts.get('/robots.txt') == 1, 'robots.txt fetched once (got %s)'
              % counts.get('/robots.txt'))
        check(st['log'][0]['target'] == '/robots.txt', 'robots.txt fetched first')
        check(all(e['ua'].startswith('Signpost/') and 'github.com/signpost-london' in e['ua']
                  for e in st['log']), 'every request carries the Signpost user agent')
        check(st['max_concurrent'] == 1, 'one request at a time to one host (saw %d)'
              % st['max_concurrent'])
        with db(store) as c:
            ext = c.execute("SELECT count(*) FROM urls WHERE url LIKE '%example.invalid%'").fetchone()[0]
            check(ext == 0, 'links to other sites not followed')
            row = c.execute('SELECT body, content_type FROM documents WHERE url = ?',
                            (fx.base + '/html-a/latin1.html',)).fetchone()
            body = bytes(row['body']).decode('utf-8')
            check('Café crèche' in body and 'charset="UTF-8"' in body,
                  'latin-1 page stored as UTF-8 with its meta charset rewritten')
            check('charset=utf-8' in row['content_type'], 'content type relabelled utf-8')
            for path, fmt in (('/html-b/news.rss', 'rss'), ('/oruk-a/services/svc-1', 'oruk'),
                              ('/oruk-a/services?page=2', 'oruk'), ('/sitemap-a/pages.xml', 'sitemap'),
                              ('/datapackage-a/services.csv', 'csv'), ('/rss-a/items/1.html', 'auto')):
                row = c.execute('SELECT format FROM documents WHERE url = ?', (fx.base + path,)).fetchone()
                check(row is not None and row[0] == fmt, 'format hint of %s is %s (got %s)'
                      % (path, fmt, row and row[0]))
            cfg = json.loads(c.execute("SELECT config FROM sources WHERE name='oruk-a'").fetchone()[0])
            check(cfg.get('coverage') == ['hackney'] and cfg.get('organisation') == 'Hackney Works',
                  'source config stored for the indexer')
            logged = c.execute('SELECT count(*) FROM fetch_log').fetchone()[0]
            check(logged == len(st['log']) - 1, 'every page request logged (%d vs %d)'
                  % (logged, len(st['log']) - 1))
        lines = status(store)
        for name, _ in sample_sources(fx.base):
            check('status=ok' in lines.get(name, ''), 'source %s ok: %s' % (name, lines.get(name)))
    finally:
        fx.stop()


def case_politeness(tmp):
    """Requests to one host never overlap and are spaced by the larger of the
    source's delay and robots.txt's Crawl-delay."""
    root = os.path.join(tmp, 'site')
    shutil.copytree(os.path.join(SITES, 'html-a'), os.path.join(root, 'html-a'))
    with open(os.path.join(root, 'robots.txt'), 'w') as f:
        f.write('User-agent: *\nCrawl-delay: 0.4\nDisallow: /html-a/secret/\n')
    fx = Fixture(root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('html-a', {'url': fx.base + '/html-a/', 'kind': 'html',
                                      'depth': 2, 'delay': '0.05'})])
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        st = fx.stats()
        log = st['log']
        check(len(log) >= 6, 'crawled the site (%d requests)' % len(log))
        check(log[0]['target'] == '/robots.txt', 'robots.txt first')
        check(st['max_concurrent'] == 1, 'never two requests at once')
        gaps = [b['ms'] - a['ms'] for a, b in zip(log, log[1:])]
        check(min(gaps) >= 380, 'Crawl-delay 0.4 s honoured between requests (min gap %d ms)'
              % min(gaps))
    finally:
        fx.stop()


def case_faults(tmp):
    """Every fault is recorded against its URL; good documents are stored; the
    crawl finishes."""
    fx = Fixture(SITES)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('faults', {'url': fx.base + '/faults/', 'kind': 'html', 'depth': 1,
                                      'delay': '0.02', 'timeout': 2, 'retries': 1,
                                      'max_body': '1M'})])
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        b = fx.base
        expect = {
            '/__fault/status/500': ('failed', 'HTTP 500'),
            '/__fault/status/403': ('failed', 'HTTP 403'),
            '/__fault/status/404': ('gone', 'HTTP 404'),
            '/__fault/reset': ('failed', ''),
            '/__fault/truncated': ('failed', ''),
            '/__fault/loop/0': ('failed', 'redirects'),
            '/__fault/huge': ('failed', 'larger than'),
            '/__fault/huge-chunked': ('failed', 'larger than'),
            '/__fault/slow/4000/faults/ok.html': ('failed', 'timed out'),
            '/__fault/wrongtype/faults/ok.json': ('done', None),
            '/__fault/429/faults/later.html': ('done', None),
            '/__fault/503/faults/later2.html': ('done', None),
            '/__fault/flaky/faults/flaky.html': ('done', None),
            '/faults/malformed.json': ('done', None),
            '/faults/malformed.xml': ('done', None),
            '/faults/malformed.html': ('done', None),
            '/faults/ok.html': ('done', None),
        }
        docs = docs_by_url(store)
        for path, (state, err) in expect.items():
            row = url_row(store, b + path)
            if row is None:
                check(False, '%s queued' % path)
                continue
            check(row['state'] == state, '%s state %s, expected %s (%s)'
                  % (path, row['state'], state, row['last_error']))
            if err is not None:
                check(row['last_error'] is not None and err in row['last_error'],
                      '%s error %r mentions %r' % (path, row['last_error'], err))
                check(docs.get(b + path, 0) == 0, '%s stored no document' % path)
            else:
                check(docs.get(b + path) == 1, '%s stored once' % path)
        counts = fx.stats()['counts']
        check(counts.get('/__fault/status/500') == 2, '500 retried once (retries = 1)')
        check(counts.get('/__fault/status/403') == 1, '403 not retried')
        check(counts.get('/__fault/429/faults/later.html') == 2, '429 retried after Retry-After')
        loops = sum(v for k, v in counts.items() if k.startswith('/__fault/loop/'))
        check(loops <= 6, 'redirect loop stopped after 5 redirects (%d requests)' % loops)
        with db(store) as c:
            ct = c.execute('SELECT content_type FROM documents WHERE url = ?',
                           (b + '/__fault/wrongtype/faults/ok.json',)).fetchone()
            check(ct is not None and ct[0].startswith('image/png'), 'wrong content type kept as served')
            n = c.execute("SELECT count(*) FROM fetch_log WHERE url = ? AND error IS NOT NULL",
                          (b + '/__fault/huge',)).fetchone()[0]
            check(n >= 1, 'fetch_log records the failure')
            ftp = c.execute("SELECT count(*) FROM urls WHERE url LIKE 'ftp:%'").fetchone()[0]
            check(ftp == 0, 'non-http links ignored')
    finally:
        fx.stop()


def case_recrawl(tmp):
    """A recrawl of unchanged sites downloads almost nothing (304s, no
    robots.txt) and stores no document; a change stores exactly the changed
    pages, and a page no longer linked is marked gone."""
    root = os.path.join(tmp, 'sites')
    shutil.copytree(SITES, root)
    fx = Fixture(root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, sample_sources(fx.base), {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        first = docs_by_url(store)
        check(len(first) >= len(EXPECTED), 'first pass stored the sites')
        # --once without --force: nothing is due yet.
        fx.reset()
        crawl(store, conf, '--once')
        check(len(fx.stats()['log']) == 0, 'a source not due is not crawled')
        fx.reset()
        crawl(store, conf, '--once', '--force')
        log = fx.stats()['log']
        check(len(log) >= 12, 'second pass visited the sites (%d requests)' % len(log))
        odd = [e for e in log if e['status'] != 304 and 'modified_after' not in e['target']]
        check(not odd, 'unchanged recrawl: every answer a 304 (others: %s)' % odd[:5])
        check(any(e['target'].startswith('/oruk-a/services?modified_after=') for e in log),
              'ORUK recrawl asks for modified_after when full_interval is set')
        check(not any(e['target'].startswith('/oruk-b/services?modified_after=') for e in log),
              'by default every ORUK pass reads the whole listing')
        check(any(e['target'] == '/oruk-b/services' and e['status'] == 304 for e in log),
              'the whole listing costs a 304 when unchanged')
        check(docs_by_url(store) == first, 'unchanged recrawl stored no new document')
        # Change the HTML site: b.html edited, a.html no longer linked.
        with open(os.path.join(root, 'html-a/b.html'), 'a') as f:
            f.write('<p>Now with evening classes.</p>\n')
        idx = os.path.join(root, 'html-a/index.html')
        with open(idx) as f:
            html = f.read()
        with open(idx, 'w') as f:
            f.write(html.replace('<a href="a.html">Coaching</a>', ''))
        crawl(store, conf, '--once', '--force')
        third = docs_by_url(store)
        changed = sorted(u for u in third if third[u] != first.get(u, 0))
        # index.html is the same page as /html-a/, reached through b.html's link.
        check(changed == sorted([fx.base + '/html-a/', fx.base + '/html-a/b.html',
                                 fx.base + '/html-a/index.html']),
              'only the changed pages stored again: %s' % changed)
        for p in ('/html-a/a.html', '/html-a/deep/c.html'):
            row = url_row(store, fx.base + p)
            check(row is not None and row['state'] == 'gone', '%s gone after it was unlinked' % p)
        check(third.get(fx.base + '/html-a/a.html') == 1, 'a gone page keeps its document')
    finally:
        fx.stop()


def case_resume(tmp):
    """kill -9 in the middle of a crawl, rerun: it resumes, refetches nothing
    it has, loses nothing."""
    root = os.path.join(tmp, 'site')
    os.makedirs(os.path.join(root, 'big/p'))
    n = 60
    with open(os.path.join(root, 'big/index.html'), 'w') as f:
        f.write('<!DOCTYPE html><html><body>\n')
        for i in range(n):
            f.write('<a href="p/%d.html">page %d</a>\n' % (i, i))
        f.write('</body></html>\n')
    for i in range(n):
        with open(os.path.join(root, 'big/p/%d.html' % i), 'w') as f:
            f.write('<!DOCTYPE html><html><body><p>Service page %d</p></body></html>\n' % i)
    fx = Fixture(root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('big', {'url': fx.base + '/big/', 'kind': 'html', 'depth': 1,
                                   'delay': '0.05'})])
        store = os.path.join(tmp, 'store')
        p = subprocess.Popen([SIGNPOST, 'crawl', '--sources', conf, '--store', store, '--once',
                              '--quiet'])
        got = 0
        deadline = time.time() + 120
        while time.time() < deadline and p.poll() is None:
            time.sleep(0.1)
            try:
                with db(store) as c:
                    got = c.execute('SELECT count(*) FROM documents').fetchone()[0]
            except sqlite3.Error:
                continue
            if got >= 15:
                break
        p.send_signal(signal.SIGKILL)
        p.wait()
        check(15 <= got < n, 'killed mid-crawl (%d documents stored)' % got)
        # What the killed run committed: its last batch of fetches (and the
        # one in flight) is lost, and the next run fetches those again.
        kept = docs_by_url(store)
        crawl(store, conf, '--once', '--quiet')
        docs = docs_by_url(store)
        for i in range(n):
            check(docs.get(fx.base + '/big/p/%d.html' % i) == 1, 'page %d stored once' % i)
        check(docs.get(fx.base + '/big/') == 1, 'index stored once')
        counts = fx.stats()['counts']
        twice = [k for k, v in counts.items() if k.startswith('/big/') and v > 1]
        again = [k for k in twice if kept.get(fx.base + k)]
        check(not again, 'nothing committed before the kill fetched again: %s' % again)
        check(len(twice) < n - 15, 'only the uncommitted batch fetched again: %s' % twice)
        check(counts.get('/big/') == 1, 'index not fetched again')
        lines = status(store)
        check('status=ok' in lines.get('big', ''), 'resumed pass finished ok: %s' % lines.get('big'))
        with db(store) as c:
            check(c.execute('PRAGMA integrity_check').fetchone()[0] == 'ok', 'store intact')
    finally:
        fx.stop()


def case_status(tmp):
    """--status prints each source's health; a failing source keeps its
    documents and records since when it fails."""
    root = os.path.join(tmp, 'sites')
    shutil.copytree(SITES, root)
    good = Fixture(root)
    bad = Fixture(root, '--robots-status', '503')
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [
            ('good', {'url': good.base + '/html-a/', 'kind': 'html', 'depth': 1}),
            ('robots5xx', {'url': bad.base + '/html-a/', 'kind': 'html'}),
            ('refused', {'url': 'http://127.0.0.1:1/', 'kind': 'html', 'retries': 0,
                         'connect_timeout': 2}),
        ], {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        r = crawl(store, conf, '--once')
        check('source robots5xx failing since' in r.stderr and 'source good' not in r.stderr,
              'the crawl names its failing sources: %r' % r.stderr)
        lines = status(store)
        check('status=ok' in lines.get('good', ''), 'good source ok: %s' % lines.get('good'))
        l5 = lines.get('robots5xx', '')
        check('status=failing' in l5 and 'robots.txt' in l5 and 'failing_since=2' in l5,
              'robots.txt 5xx: source failing, nothing fetched: %s' % l5)
        check(bad.count('/html-a/') == 0, 'robots.txt 5xx: no page requested')
        check('status=failing' in lines.get('refused', ''), 'unreachable host failing')
        docs_before = int(lines['good'].split('documents=')[1].split()[0])
        check(docs_before >= 3, 'good source has documents')
        # The good source's entry page disappears: the source fails, keeps its documents.
        os.rename(os.path.join(root, 'html-a/index.html'), os.path.join(root, 'html-a/moved.html'))
        crawl(store, conf, '--once', '--force')
        lines = status(store)
        lg = lines.get('good', '')
        check('status=failing' in lg and 'failing_since=2' in lg, 'entry gone: failing: %s' % lg)
        check('documents=%d' % docs_before in lg, 'a failing source keeps its documents')
        with db(store) as c:
            done = c.execute("SELECT count(*) FROM urls WHERE source='good' AND state='done'").fetchone()[0]
            check(done >= 2, 'pages of a failing source are not marked gone')
    finally:
        good.stop()
        bad.stop()


def case_parallel(tmp):
    """Two hosts are crawled at the same time, each one request at a time."""
    a = Fixture(SITES)
    b = Fixture(SITES)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('a', {'url': a.base + '/html-a/', 'kind': 'html', 'depth': 2}),
                          ('b', {'url': b.base + '/html-a/', 'kind': 'html', 'depth': 2})],
                   {'delay': '0.3'})
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        la, lb = a.stats(), b.stats()
        check(la['max_concurrent'] == 1 and lb['max_concurrent'] == 1, 'one at a time per host')
        ta = [e['wall_ms'] for e in la['log']]
        tb = [e['wall_ms'] for e in lb['log']]
        check(len(ta) >= 5 and len(tb) >= 5, 'both hosts crawled')
        check(tb[0] < ta[-1] and ta[0] < tb[-1], 'the two hosts were crawled side by side')
    finally:
        a.stop()
        b.stop()


def case_many_hosts(tmp):
    """Several hosts (127.0.0.2 to 127.0.0.5, one fixture each) are crawled
    at the same time, each politely: one request at a time, and between two
    requests its source's delay or its robots.txt's larger Crawl-delay.
    The fetch policy (allow_private) is asked for every one of them."""
    addrs = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']
    delays = {'127.0.0.2': 0.2, '127.0.0.3': 0.2, '127.0.0.4': 0.2, '127.0.0.5': 0.5}
    fxs = []
    try:
        for a in addrs:
            root = os.path.join(tmp, 'site-' + a)
            files = {'index.html': '<!DOCTYPE html><html><body>' +
                     ''.join('<a href="p%d.html">p%d</a>' % (i, i) for i in range(6)) +
                     '</body></html>\n'}
            for i in range(6):
                files['p%d.html' % i] = page('Service %s %d' % (a, i))
            # The last host asks for more time between requests than its source.
            files['robots.txt'] = ('User-agent: *\nCrawl-delay: 0.5\n' if a == '127.0.0.5'
                                   else 'User-agent: *\nDisallow:\n')
            write_files(root, files)
            fxs.append(Fixture(root, addr=a))
        conf = os.path.join(tmp, 'sources.conf')
        with open(conf, 'w') as f:
            f.write('[defaults]\nallow_private = 127.0.0.0/8\ndelay = 0.2\n')
            for a, fx in zip(addrs, fxs):
                f.write('\n[source h-%s]\nurl = %s/\nkind = html\ndepth = 1\n' % (a, fx.base))
        # One host outside allow_private: refused by the fetch policy.
        with open(conf, 'a') as f:
            f.write('\n[source refused]\nurl = http://127.0.0.6:1/\nkind = html\n'
                    'allow_private = 127.0.0.2/32\nretries = 0\n')
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once', '--quiet')
        spans = []
        for a, fx in zip(addrs, fxs):
            st = fx.stats()
            log = st['log']
            check(len(log) == 8, '%s: robots.txt, index and 6 pages fetched (%d)' % (a, len(log)))
            check(st['max_concurrent'] == 1, '%s: never two requests at once' % a)
            gaps = [y['ms'] - x['ms'] for x, y in zip(log, log[1:])]
            low = delays[a] * 1000 - 20  # a lower bound only: a slow machine only widens gaps
            check(gaps and min(gaps) >= low, '%s: delay %.1f s kept between requests (min gap %s ms)'
                  % (a, delays[a], min(gaps) if gaps else None))
            spans.append((log[0]['wall_ms'], log[-1]['wall_ms']))
        # Every host's crawl overlaps every other's: they ran side by side.
        for i in range(len(spans)):
            for j in range(i + 1, len(spans)):
                check(spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1],
                      'hosts %s and %s crawled side by side' % (addrs[i], addrs[j]))
        docs = docs_by_url(store)
        check(len(docs) == 4 * 7, 'every page of every host stored once (%d)' % len(docs))
        with db(store) as c:
            msg = c.execute("SELECT last_error_msg FROM sources WHERE name = 'refused'"
                            ).fetchone()[0] or ''
        check('fetch policy' in msg, 'a host outside allow_private is refused: %s' % msg)
    finally:
        for fx in fxs:
            fx.stop()


def case_outlinks(tmp):
    """An unchanged page (304) leads where it led without its stored body
    being read again: the links found when it was fetched are kept with its
    URL.  A store from before they were kept (schema version 1) reads the
    stored body once, and keeps them from then on."""
    root = os.path.join(tmp, 'sites')
    shutil.copytree(SITES, root)
    fx = Fixture(root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('html-a', {'url': fx.base + '/html-a/', 'kind': 'html', 'depth': 2}),
                          ('sitemap-a', {'url': fx.base + '/sitemap-a/sitemap.xml',
                                         'kind': 'sitemap'})],
                   {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once', '--quiet')
        first = docs_by_url(store)
        with db(store) as c:
            check(c.execute('PRAGMA user_version').fetchone()[0] == SCHEMA_VERSION,
                  'schema version %d' % SCHEMA_VERSION)
            done = {r[0] for r in c.execute("SELECT url FROM urls WHERE state = 'done'")}
            # Blank every stored body: only the kept links can lead on now.
            c.execute("UPDATE documents SET body = ''")
        check(len(done) >= 6, 'first pass reached the sites (%d URLs)' % len(done))
        fx.reset()
        crawl(store, conf, '--once', '--force', '--quiet')
        log = fx.stats()['log']
        check(log and all(e['status'] == 304 for e in log),
              'unchanged recrawl: every answer a 304')
        with db(store) as c:
            again = {r[0] for r in c.execute("SELECT url FROM urls WHERE state = 'done'")}
        check(again == done, 'the 304s led to every URL again (missing: %s)'
              % sorted(done - again)[:5])
        check(docs_by_url(store) == first, 'no new document')

        # A version 1 store: no kept links yet; the stored body is read once.
        store1 = os.path.join(tmp, 'store1')
        crawl(store1, conf, '--once', '--quiet')
        with db(store1) as c:
            c.execute('DROP TABLE out_links')
            c.execute('PRAGMA user_version = 1')
            done1 = {r[0] for r in c.execute("SELECT url FROM urls WHERE state = 'done'")}
        crawl(store1, conf, '--once', '--force', '--quiet')
        with db(store1) as c:
            check(c.execute('PRAGMA user_version').fetchone()[0] == SCHEMA_VERSION,
                  'migrated to version %d' % SCHEMA_VERSION)
            again1 = {r[0] for r in c.execute("SELECT url FROM urls WHERE state = 'done'")}
            kept = c.execute('SELECT count(*) FROM out_links').fetchone()[0]
            c.execute("UPDATE documents SET body = ''")
        check(again1 == done1, 'a migrated store still follows its pages\' links')
        check(kept >= 3, 'links kept after the first recrawl (%d URLs)' % kept)
        crawl(store1, conf, '--once', '--force', '--quiet')
        with db(store1) as c:
            again2 = {r[0] for r in c.execute("SELECT url FROM urls WHERE state = 'done'")}
        check(again2 == done1, 'from then on the kept links lead on')
    finally:
        fx.stop()


def case_budget(tmp):
    """The page budget caps requests per pass; what it left out is skipped,
    not gone, and the source is still healthy."""
    fx = Fixture(SITES)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('html-a', {'url': fx.base + '/html-a/', 'kind': 'html', 'depth': 2,
                                      'pages': 3, 'delay': '0.02'})])
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        pages = [e for e in fx.stats()['log'] if e['target'] != '/robots.txt']
        check(len(pages) == 3, 'three requests for a budget of 3 (got %d)' % len(pages))
        with db(store) as c:
            states = dict(c.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall())
        check(states.get('skipped', 0) >= 1, 'URLs beyond the budget skipped: %s' % states)
        check(states.get('queued', 0) == 0, 'nothing left queued: %s' % states)
        crawl(store, conf, '--once', '--force')
        with db(store) as c:
            states = dict(c.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall())
        check(states.get('gone', 0) == 0, 'a budget-cut pass marks nothing gone: %s' % states)
        check('status=ok' in status(store).get('html-a', ''), 'source healthy')
    finally:
        fx.stop()


def case_redirect(tmp):
    """A redirect to another host is not kept when that host's robots.txt
    (already known) disallows the target; an allowed one is stored."""
    root = os.path.join(tmp, 'a')
    os.makedirs(os.path.join(root, 'r'))
    with open(os.path.join(root, 'robots.txt'), 'w') as f:
        f.write('User-agent: *\nAllow: /\n')
    a = Fixture(root)
    b = Fixture(SITES)
    try:
        with open(os.path.join(root, 'r/index.html'), 'w') as f:
            f.write('<html><body><a href="/__fault/redirect/%d/html-a/secret/x.html">x</a>\n'
                    '<a href="/__fault/redirect/%d/html-a/b.html">b</a></body></html>\n'
                    % (b.port, b.port))
        conf = os.path.join(tmp, 'sources.conf')
        store = os.path.join(tmp, 'store')
        # First learn b's robots.txt (cached in the store), then follow the redirects.
        write_conf(conf, [('b', {'url': b.base + '/html-a/b.html', 'kind': 'html', 'depth': 0,
                                 'delay': '0.02'})])
        crawl(store, conf, '--once')
        write_conf(conf, [('a', {'url': a.base + '/r/', 'kind': 'html', 'depth': 1,
                                 'delay': '0.02'})])
        crawl(store, conf, '--once')
        bad = url_row(store, a.base + '/__fault/redirect/%d/html-a/secret/x.html' % b.port)
        check(bad is not None and bad['state'] == 'failed' and
              'disallowed by robots.txt' in (bad['last_error'] or ''),
              'redirect into a disallowed path refused: %s' % (dict(bad) if bad else None))
        check(b.count('/html-a/secret/x.html') == 0, 'the disallowed target never requested')
        ok = url_row(store, a.base + '/__fault/redirect/%d/html-a/b.html' % b.port)
        check(ok is not None and ok['state'] == 'done', 'allowed redirect stored')
        docs = docs_by_url(store)
        check(docs.get(a.base + '/__fault/redirect/%d/html-a/secret/x.html' % b.port, 0) == 0,
              'no document kept for the disallowed target')
    finally:
        a.stop()
        b.stop()


def case_redirect_robots(tmp):
    """Every hop of a redirect passes its own host's robots.txt, fetched
    first when that host is new: a disallowed target is never requested,
    not even on the first hop to a host, whichever hop leads there; a host
    whose robots.txt is unavailable gets nothing; and the target host's
    Crawl-delay and one request at a time hold between hops."""
    root = os.path.join(tmp, 'a')
    os.makedirs(os.path.join(root, 'r'))
    with open(os.path.join(root, 'robots.txt'), 'w') as f:
        f.write('User-agent: *\nAllow: /\n')
    broot = os.path.join(tmp, 'b')
    shutil.copytree(os.path.join(SITES, 'html-a'), os.path.join(broot, 'html-a'))
    with open(os.path.join(broot, 'robots.txt'), 'w') as f:
        f.write('User-agent: Signpost\nCrawl-delay: 0.6\nDisallow: /html-a/secret/\n')
    a = Fixture(root)
    b = Fixture(broot)
    c = Fixture(SITES)  # its robots.txt keeps Signpost out of /html-a/secret/ too
    d = Fixture(SITES, '--robots-status', '503')
    try:
        links = {
            'secret': '/__fault/redirect/%d/html-a/secret/x.html' % b.port,
            'ok': '/__fault/redirect/%d/html-a/b.html' % b.port,
            'ok2': '/__fault/redirect/%d/html-a/a.html' % b.port,
            'two': '/__fault/redirect/%d/__fault/redirect/%d/html-a/secret/x.html'
                   % (b.port, c.port),
            'down': '/__fault/redirect/%d/html-a/b.html' % d.port,
        }
        with open(os.path.join(root, 'r/index.html'), 'w') as f:
            f.write('<html><body>\n')
            for name, href in links.items():
                f.write('<a href="%s">%s</a>\n' % (href, name))
            f.write('</body></html>\n')
        conf = os.path.join(tmp, 'sources.conf')
        store = os.path.join(tmp, 'store')
        write_conf(conf, [('a', {'url': a.base + '/r/', 'kind': 'html', 'depth': 1,
                                 'delay': '0.05'})])
        crawl(store, conf, '--once')
        lb, lc, ld = b.stats(), c.stats(), d.stats()
        tb = [e['target'] for e in lb['log']]
        check(tb and tb[0] == '/robots.txt', 'robots.txt first on the new host: %s' % tb)
        check('/html-a/secret/x.html' not in tb, 'disallowed target never requested: %s' % tb)
        check(tb.count('/html-a/b.html') == 1 and tb.count('/html-a/a.html') == 1,
              'allowed targets requested once each: %s' % tb)
        check(tb.count('/robots.txt') == 1, 'robots.txt fetched once: %s' % tb)
        check(lb['max_concurrent'] == 1, 'one request at a time to the target host')
        gaps = [y['ms'] - x['ms'] for x, y in zip(lb['log'], lb['log'][1:])]
        check(gaps and min(gaps) >= 580,
              "the target host's Crawl-delay (0.6 s) holds between hops: %s" % gaps)
        check([e['target'] for e in lc['log']] == ['/robots.txt'],
              'second hop: only robots.txt asked of its host: %s' % lc['log'])
        check([e['target'] for e in ld['log']] == ['/robots.txt'],
              'robots.txt 5xx: nothing else asked of that host: %s' % ld['log'])
        docs = docs_by_url(store)
        for name, why in (('secret', 'disallowed by robots.txt'),
                          ('two', 'disallowed by robots.txt'),
                          ('down', 'robots.txt unavailable')):
            row = url_row(store, a.base + links[name])
            err = (row['last_error'] or '') if row else ''
            check(row is not None and row['state'] == 'failed' and why in err and
                  'redirected to' in err, '%s refused with its reason: %s' % (name, err))
            check(docs.get(a.base + links[name], 0) == 0, '%s stored no document' % name)
        for name, path in (('ok', '/html-a/b.html'), ('ok2', '/html-a/a.html')):
            with db(store) as cx:
                row = cx.execute('SELECT final_url FROM documents WHERE url = ?',
                                 (a.base + links[name],)).fetchone()
            check(row is not None and row[0] == b.base + path,
                  '%s stored with its final URL (%s)' % (name, row and row[0]))
        check('status=ok' in status(store).get('a', ''), 'source healthy')
    finally:
        for fx in (a, b, c, d):
            fx.stop()


def write_files(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as f:
            f.write(text)


def urlset(*locs):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
            ''.join(' <url><loc>%s</loc></url>\n' % u for u in locs) + '</urlset>\n')


def page(text):
    return '<!DOCTYPE html><html><body><p>%s</p></body></html>\n' % text


def source_urls(store, source):
    with db(store) as c:
        return {r['url']: r for r in c.execute('SELECT * FROM urls WHERE source = ?', (source,))}


def case_robots_sitemaps(tmp):
    """The sitemaps a site's robots.txt lists seed its html and sitemap
    sources: fetched once (a configured sitemap is not fetched twice), their
    pages crawled, on every pass; sitemaps on other hosts or disallowed are
    not fetched; robots_sitemaps = no and ORUK sources take none."""
    maps = {
        'maps/extra.xml': urlset('/maps/p/1.html', '/maps/p/2.html'),
        'maps/secret.xml': urlset('/maps/p/3.html'),
        'maps/p/1.html': page('Job club'),
        'maps/p/2.html': page('CV help'),
        'maps/p/3.html': page('Hidden'),
    }
    x_root, y_root = os.path.join(tmp, 'x'), os.path.join(tmp, 'y')
    for d in ('sitemap-a', 'html-a', 'oruk-a'):
        shutil.copytree(os.path.join(SITES, d), os.path.join(x_root, d))
    shutil.copytree(os.path.join(SITES, 'html-b'), os.path.join(y_root, 'html-b'))
    write_files(x_root, dict(maps, **{'robots.txt':
        'User-agent: *\nDisallow: /maps/secret.xml\n'
        'Sitemap: http://{host}/maps/extra.xml\n'
        'Sitemap: http://{host}/sitemap-a/sitemap.xml\n'
        'Sitemap: http://elsewhere.invalid/sitemap.xml\n'
        'Sitemap: http://{host}/maps/secret.xml\n'}))
    write_files(y_root, dict(maps, **{'robots.txt':
        'User-agent: *\nAllow: /\nSitemap: http://{host}/maps/extra.xml\n'}))
    x, y = Fixture(x_root), Fixture(y_root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [
            ('sm', {'url': x.base + '/sitemap-a/sitemap.xml', 'kind': 'sitemap'}),
            ('site', {'url': x.base + '/html-a/', 'kind': 'html', 'robots_sitemaps': 'no'}),
            ('api', {'url': x.base + '/oruk-a/', 'kind': 'oruk'}),
            ('site-y', {'url': y.base + '/html-b/', 'kind': 'html', 'depth': 1}),
        ], {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        cx = x.stats()['counts']
        check(cx.get('/maps/extra.xml') == 1, 'sitemap from robots.txt fetched once (got %s)'
              % cx.get('/maps/extra.xml'))
        check(cx.get('/maps/p/1.html') == 1 and cx.get('/maps/p/2.html') == 1,
              'its pages crawled: %s' % cx)
        check(cx.get('/sitemap-a/sitemap.xml') == 1,
              'the configured sitemap, listed in robots.txt too, fetched once (got %s)'
              % cx.get('/sitemap-a/sitemap.xml'))
        check(cx.get('/sitemap-a/p/1.html') == 1, 'the configured sitemap still crawled')
        check('/maps/secret.xml' not in cx and '/maps/p/3.html' not in cx,
              'a sitemap robots.txt disallows is not fetched')
        docs = docs_by_url(store)
        for path in ('/maps/extra.xml', '/maps/p/1.html', '/maps/p/2.html'):
            check(docs.get(x.base + path) == 1, '%s stored once' % path)
        sm = source_urls(store, 'sm')
        row = sm.get(x.base + '/maps/secret.xml')
        check(row is not None and row['state'] == 'failed' and
              'robots.txt' in (row['last_error'] or ''),
              'the disallowed sitemap recorded with its reason: %s' % (row and dict(row)))
        with db(store) as c:
            n = c.execute("SELECT count(*) FROM urls WHERE url LIKE '%elsewhere.invalid%'").fetchone()[0]
        check(n == 0, "another host's sitemap not queued")
        for name in ('site', 'api'):
            got = [u for u in source_urls(store, name) if '/maps/' in u]
            check(not got, '%s takes no sitemap from robots.txt: %s' % (name, got))
        cy = y.stats()['counts']
        check(cy.get('/maps/extra.xml') == 1 and cy.get('/maps/p/1.html') == 1,
              'an html source uses its robots.txt sitemaps by default: %s' % cy)
        check(docs.get(y.base + '/maps/p/2.html') == 1, 'stored for the html source')
        lines = status(store)
        for name in ('sm', 'site', 'api', 'site-y'):
            check('status=ok' in lines.get(name, ''), '%s ok: %s' % (name, lines.get(name)))
        # The next pass takes them again, from the cached robots.txt, and so
        # keeps their pages (nothing marked gone).
        x.reset()
        crawl(store, conf, '--once', '--force')
        cx = x.stats()['counts']
        check('/robots.txt' not in cx, 'robots.txt from the cache on the next pass')
        check(cx.get('/maps/extra.xml') == 1, 'the next pass asks for the sitemap again: %s' % cx)
        sm = source_urls(store, 'sm')
        for path in ('/maps/extra.xml', '/maps/p/1.html', '/maps/p/2.html'):
            row = sm.get(x.base + path)
            check(row is not None and row['state'] == 'done',
                  '%s still done after the next pass (%s)' % (path, row and row['state']))
    finally:
        x.stop()
        y.stop()


def case_robots_sitemaps_bound(tmp):
    """A robots.txt listing 1,000 sitemaps costs 16 sitemap requests, not
    1,000: the first 16 are used, with their pages, and the source is
    healthy."""
    n = 1000
    files = {'many/index.xml': urlset('/many/home.html'), 'many/home.html': page('Home')}
    lines = ['User-agent: *', 'Allow: /']
    for i in range(n):
        files['many/s%d.xml' % i] = urlset('/many/p%d.html' % i)
        files['many/p%d.html' % i] = page('Service %d' % i)
        lines.append('Sitemap: http://{host}/many/s%d.xml' % i)
    files['robots.txt'] = '\n'.join(lines) + '\n'
    root = os.path.join(tmp, 'site')
    write_files(root, files)
    fx = Fixture(root)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('many', {'url': fx.base + '/many/index.xml', 'kind': 'sitemap',
                                    'delay': '0.01'})])
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        log = [e['target'] for e in fx.stats()['log']]
        maps = sorted(t for t in log if t.startswith('/many/s') and t.endswith('.xml'))
        check(maps == sorted('/many/s%d.xml' % i for i in range(16)),
              'the first 16 sitemaps fetched, no more (%d: %s)' % (len(maps), maps[:20]))
        pages = [t for t in log if t.startswith('/many/p')]
        check(len(pages) == 16, 'their 16 pages crawled (got %d)' % len(pages))
        check(len(log) == 1 + 2 + 16 + 16, '%d requests in all' % len(log))
        check('status=ok' in status(store).get('many', ''), 'source healthy')
    finally:
        fx.stop()


def case_continuous(tmp):
    """Without --once each source is recrawled on its interval until SIGTERM,
    which stops the crawler cleanly."""
    fx = Fixture(SITES)
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('rss-a', {'url': fx.base + '/rss-a/feed.rss', 'kind': 'rss',
                                     'interval': '1s', 'delay': '0.02'})])
        store = os.path.join(tmp, 'store')
        p = subprocess.Popen([SIGNPOST, 'crawl', '--sources', conf, '--store', store],
                             stderr=subprocess.PIPE, text=True)
        passes = 0
        deadline = time.time() + 60
        while time.time() < deadline and passes < 3:
            time.sleep(0.2)
            try:
                with db(store) as c:
                    row = c.execute("SELECT pass, running FROM sources WHERE name='rss-a'").fetchone()
                    passes = row[0] - row[1] if row else 0
            except sqlite3.Error:
                pass
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        check(p.returncode == 0, 'SIGTERM: clean exit (%d): %s' % (p.returncode, err))
        check(passes >= 3, 'three passes finished on a 1 s interval (%d)' % passes)
        check('interrupted' in err, 'summary says it was interrupted')
        check(fx.count('/rss-a/feed.rss') >= 3, 'the feed was fetched on each pass')
        docs = docs_by_url(store)
        check(docs.get(fx.base + '/rss-a/feed.rss') == 1, 'unchanged feed stored once')
    finally:
        fx.stop()


def passes_done(store):
    """Finished passes per source (a running pass does not count)."""
    try:
        with db(store) as c:
            return {r[0]: r[1] - r[2] for r in
                    c.execute('SELECT name, pass, running FROM sources')}
    except sqlite3.Error:
        return {}


def case_shared_host(tmp):
    """Many sources on one host, each due every second, and more of them
    than the host can answer in a second (each answer takes 100 ms: a round
    takes 3 s).  The host is shared first come, first served: every source
    gets its turn in each round, so none starves behind the others' 304s,
    and a change at the last source is fetched within a round, while the
    host still sees one request at a time."""
    n = 30
    root = os.path.join(tmp, 'site')
    write_files(root, {'f%02d.html' % i: page('Service %d' % i) for i in range(n)})
    fx = Fixture(root)
    p = None
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('f%02d' % i, {'url': fx.base + '/__fault/slow/100/f%02d.html' % i,
                                         'kind': 'html', 'depth': 0})
                          for i in range(n)], {'interval': '1s', 'delay': '0'})
        store = os.path.join(tmp, 'store')
        p = subprocess.Popen([SIGNPOST, 'crawl', '--sources', conf, '--store', store],
                             stderr=subprocess.PIPE, text=True)

        def wait_for(cond):
            deadline = time.time() + 120
            while time.time() < deadline:
                done = passes_done(store)
                if len(done) == n and cond(done):
                    return done
                time.sleep(0.1)
            return passes_done(store)

        done = wait_for(lambda d: min(d.values()) >= 1)
        starved = sorted(k for k, v in done.items() if v < 1)
        check(not starved, 'every source finished its first pass (never served: %s)' % starved)
        # A change at the source the others were served before.
        last = 'f%02d' % (n - 1)
        time.sleep(1.1)  # a new mtime second for Last-Modified
        write_files(root, {last + '.html': page('Service %d, changed' % (n - 1))})
        first = done.get('f00', 0)
        done = wait_for(lambda d: d['f00'] >= first + 2)
        check(done.get('f00', 0) >= first + 2, 'f00 finished two more passes (%s)' % done)
        behind = sorted(k for k, v in done.items() if v < done.get('f00', 0) - 1)
        check(not behind, 'no source more than one pass behind f00 (%s): %s'
              % (done.get('f00'), {k: done[k] for k in behind}))
        docs = docs_by_url(store)
        check(docs.get(fx.base + '/__fault/slow/100/%s.html' % last) == 2,
              'the change at %s fetched within a round (%s documents)'
              % (last, docs.get(fx.base + '/__fault/slow/100/%s.html' % last)))
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        check(p.returncode == 0, 'SIGTERM: clean exit (%d): %s' % (p.returncode, err))
        # Asked once the crawler is gone (/__stats is a request too) and
        # the request it abandoned at SIGTERM has had its 100 ms.
        time.sleep(1)
        check(fx.stats()['max_concurrent'] == 1, 'one request at a time to the host')
    finally:
        if p and p.poll() is None:
            p.kill()
            p.wait()
        fx.stop()


def free_port():
    import socket
    with socket.socket() as so:
        so.bind(('127.0.0.1', 0))
        return so.getsockname()[1]


def case_datapackage(tmp):
    """A crawled HSDS data package is indexed end to end: its resource
    paths (relative to datapackage.json, in a subfolder) are fetched on the
    package's host and found again by `signpost index`; a resource on
    another host is never requested and is recorded as the package's error;
    the services are then searchable, their HTML cells read as text."""
    fx = Fixture(SITES)
    serve = None
    try:
        conf = os.path.join(tmp, 'sources.conf')
        write_conf(conf, [('lambeth-dp', {'url': fx.base + '/datapackage-b/datapackage.json',
                                          'kind': 'datapackage', 'coverage': 'lambeth',
                                          'organisation': 'Lambeth Building Futures'})],
                   {'delay': '0.02'})
        store = os.path.join(tmp, 'store')
        crawl(store, conf, '--once')
        docs = docs_by_url(store)
        for path in ('/datapackage-b/datapackage.json', '/datapackage-b/data/services.csv',
                     '/datapackage-b/data/organizations.csv'):
            check(docs.get(fx.base + path) == 1, 'one document for %s' % path)
        with db(store) as c:
            other = c.execute("SELECT count(*) FROM urls WHERE url LIKE '%localhost:1%'").fetchone()[0]
            check(other == 0, 'the resource on another host is not queued')
            row = c.execute("SELECT last_error_msg FROM sources WHERE name = 'lambeth-dp'").fetchone()
            msg = row['last_error_msg'] if row else None
            check(msg is not None and 'another host' in msg and 'localhost:1' in msg,
                  'the refused resource is recorded as an error: %s' % msg)
        r = subprocess.run([SIGNPOST, 'index', '--store', store], capture_output=True,
                           text=True, timeout=280)
        check(r.returncode == 0, 'signpost index exits 0: %s' % r.stderr)
        check('no document stored' not in r.stderr, 'the indexer finds the resources: %s'
              % r.stderr)
        port = free_port()
        serve = subprocess.Popen([SIGNPOST, 'serve', '--store', store, '--listen',
                                  '127.0.0.1:%d' % port], stderr=subprocess.PIPE, text=True)
        base = 'http://127.0.0.1:%d' % port
        for _ in range(200):
            try:
                urllib.request.urlopen(base + '/healthz', timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(base + '/api/v1/search?q=bricklaying', timeout=30) as resp:
            res = json.load(resp)
        names = [x['name'] for x in res['results']]
        check(names == ['Bricklaying taster course'], 'the crawled package is searchable: %s'
              % names)
        with urllib.request.urlopen(base + '/api/v1/search?q=forklift', timeout=30) as resp:
            res = json.load(resp)
        check(res['total'] == 1, 'both services indexed (forklift: %d)' % res['total'])
        sid = res['results'][0]['id'] if res['results'] else None
        with urllib.request.urlopen(base + '/api/v1/search?q=bricklaying', timeout=30) as resp:
            bid = json.load(resp)['results'][0]['id']
        with urllib.request.urlopen(base + '/api/v1/services/' + bid, timeout=30) as resp:
            rec = json.load(resp)
        desc = rec.get('description') or ''
        check(desc.startswith('A four-week bricklaying taster for adults & young people.')
              and '<' not in desc and 'maps.example.org' not in desc,
              'CSV cells read as text: %r' % desc)
        check(rec.get('organization', {}).get('name') == 'Lambeth Building Futures',
              'the organisation comes from organizations.csv')
        check(sid is not None, 'forklift found')
    finally:
        if serve:
            serve.terminate()
            serve.wait(10)
        fx.stop()


def main():
    fn = globals().get('case_' + CASE)
    if not fn:
        print('unknown case', CASE, file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix='signpost-crawl-%s-' % CASE)
    try:
        fn(tmp)
    finally:
        if not failures:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print('left', tmp, 'for inspection', file=sys.stderr)
    if failures:
        print('%d checks failed' % len(failures), file=sys.stderr)
        return 1
    print('%s: ok' % CASE)
    return 0


if __name__ == '__main__':
    sys.exit(main())
