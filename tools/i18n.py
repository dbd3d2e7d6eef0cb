#!/usr/bin/env python3
"""tools/i18n.py - the portal's translations (docs/portal.md, "Words and
other languages").

English lives in web/i18n/en.tsv (key TAB text, KEY.plural for the plural
of a counted word); every other language is a GNU gettext catalogue
web/i18n/CODE.po whose entries have the key as msgctxt and the English as
msgid, so translators' tools (Poedit, Weblate, msgmerge) work on them.

  tools/i18n.py pot [OUT]     write the template (signpost.pot) from en.tsv
  tools/i18n.py update        msgmerge every CODE.po with a fresh template
                              (changed English becomes fuzzy: not used until
                              a translator checks it)
  tools/i18n.py check [SRC]   the test (meson test i18n_check): every word
                              key the pages use exists in en.tsv, every
                              counted word has its .plural, every .po is
                              accepted by msgfmt --check, says how it was
                              produced and whether it was reviewed, keeps
                              the {1} {2} {3} of its English, and has as
                              many plural forms as its Plural-Forms says;
                              prints each language's coverage and its
                              entries for English that has since changed
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Every translation says how it was made and whether a fluent speaker has
# reviewed it, in these header fields (docs/portal.md).
PRODUCED = 'X-Signpost-Produced-By'
REVIEWED = 'X-Signpost-Review'


def read_en(src):
    """en.tsv as an ordered list of (key, text, comments)."""
    words, comments = [], []
    with open(os.path.join(src, 'web', 'i18n', 'en.tsv'), encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\r\n')
            if not line:
                comments = []
                continue
            if line.startswith('#'):
                comments.append(line[1:].strip())
                continue
            if '\t' not in line:
                raise SystemExit(f'en.tsv line {n}: no TAB between key and text')
            key, text = line.split('\t', 1)
            text = re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), text)
            words.append((key, text, comments))
            comments = []
    return words


def po_quote(s):
    s = s.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')
    if '\n' in s[:-1]:
        parts = s.split('\n')
        lines = [p + '\\n' for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
        return '""\n' + '\n'.join(f'"{p}"' for p in lines)
    return '"' + s.replace('\n', '\\n') + '"'


def pot_text(src):
    words = read_en(src)
    en = {k: t for k, t, _ in words}
    out = ['# Template for translations of the Signpost portal.  Generated from',
           '# web/i18n/en.tsv by tools/i18n.py pot: do not edit; see docs/portal.md.',
           '# msgctxt is the key the pages use; {1} {2} {3} are filled in by the page',
           '# (names, numbers) and must stay.',
           'msgid ""', 'msgstr ""',
           '"Project-Id-Version: Signpost\\n"',
           '"MIME-Version: 1.0\\n"',
           '"Content-Type: text/plain; charset=UTF-8\\n"',
           '"Content-Transfer-Encoding: 8bit\\n"',
           '"Language: \\n"',
           '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"',
           f'"{PRODUCED}: \\n"',
           f'"{REVIEWED}: \\n"', '']
    for key, text, comments in words:
        if key.endswith('.plural'):
            continue
        for c in comments:
            out.append('#. ' + c)
        if key == 'lang.dir':
            out.append('#. ltr, or rtl for a language written right to left')
        out.append('msgctxt ' + po_quote(key))
        out.append('msgid ' + po_quote(text))
        if key + '.plural' in en:
            out.append('msgid_plural ' + po_quote(en[key + '.plural']))
            out.append('msgstr[0] ""')
            out.append('msgstr[1] ""')
        else:
            out.append('msgstr ""')
        out.append('')
    return '\n'.join(out)


def parse_po(path):
    """A .po as a list of dicts (ctxt, id, id_plural, str: list, fuzzy) and
    the header dict.  msgfmt --check has already judged the syntax."""
    entries, cur, field = [], {}, None

    def flush():
        nonlocal cur
        if 'id' in cur:
            entries.append(cur)
        cur = {}

    def unq(s):
        s = s.strip()
        assert s.startswith('"') and s.endswith('"'), s
        return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s[1:-1])

    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if not line.strip():
                flush()
                field = None
            elif line.startswith('#,') and 'fuzzy' in line:
                flush()
                cur['fuzzy'] = True
            elif line.startswith('#'):
                continue
            elif line.startswith('"'):
                if field[0] == 'str':
                    cur['str'][field[1]] += unq(line)
                else:
                    cur[field] += unq(line)
            else:
                kw, rest = line.split(None, 1)
                if kw == 'msgctxt' or (kw == 'msgid' and 'ctxt' not in cur and 'id' in cur):
                    flush()
                m = re.match(r'msgstr(?:\[(\d+)\])?$', kw)
                if m:
                    cur.setdefault('str', [])
                    cur['str'].append(unq(rest))
                    field = ('str', len(cur['str']) - 1)
                else:
                    name = {'msgctxt': 'ctxt', 'msgid': 'id', 'msgid_plural': 'id_plural'}[kw]
                    cur[name] = unq(rest)
                    field = name
    flush()
    header = {}
    for e in entries:
        if e.get('id') == '' and 'ctxt' not in e:
            for hl in e['str'][0].split('\n'):
                if ':' in hl:
                    k, v = hl.split(':', 1)
                    header[k.strip()] = v.strip()
    return [e for e in entries if not (e.get('id') == '' and 'ctxt' not in e)], header


def used_keys(src):
    """Word keys named by string literals in the pages' code: a literal
    like "search.go" whose first part is a section of en.tsv."""
    words = read_en(src)
    sections = {k.split('.', 1)[0] for k, _, _ in words}
    keys, counted = {}, set()
    for path in sorted(glob.glob(os.path.join(src, 'searchd', 'pages*.c'))):
        text = open(path, encoding='utf-8').read()
        for m in re.finditer(r'"([a-z_]+\.[A-Za-z0-9_.-]+)"', text):
            k = m.group(1)
            if k.split('.', 1)[0] in sections and not k.endswith('.'):
                keys.setdefault(k, os.path.relpath(path, src))
        for m in re.finditer(r'pg_tn\(\s*p,\s*"([^"]+)"', text):
            counted.add(m.group(1))
    return keys, counted


def placeholders(s):
    return set(re.findall(r'\{[1-3]\}', s))


def check(src):
    problems, notes = [], []
    words = read_en(src)
    en = {k: t for k, t, _ in words}
    keys, counted = used_keys(src)
    for k, where in sorted(keys.items()):
        if k not in en:
            problems.append(f'{where}: word key "{k}" is not in web/i18n/en.tsv')
    for k in sorted(counted):
        if k + '.plural' not in en:
            problems.append(f'"{k}" is a counted word (pg_tn) but en.tsv has no "{k}.plural"')
    msgfmt = shutil.which('msgfmt')
    pos = sorted(glob.glob(os.path.join(src, 'web', 'i18n', '*.po')))
    for path in pos:
        name = os.path.relpath(path, src)
        code = os.path.basename(path)[:-3]
        if msgfmt:
            r = subprocess.run([msgfmt, '--check', '-o', os.devnull, path],
                               capture_output=True, text=True)
            if r.returncode:
                problems.append(f'{name}: msgfmt --check: {r.stderr.strip()}')
                continue
        entries, header = parse_po(path)
        if header.get('Language') != code:
            problems.append(f'{name}: header Language is "{header.get("Language")}", not "{code}"')
        if not header.get(PRODUCED):
            problems.append(f'{name}: no {PRODUCED} header (how was it translated?)')
        if not header.get(REVIEWED):
            problems.append(f'{name}: no {REVIEWED} header (has a fluent speaker reviewed it?)')
        m = re.search(r'nplurals\s*=\s*(\d+)', header.get('Plural-Forms', ''))
        nplurals = int(m.group(1)) if m else 2
        done, labels, stale = 0, 0, []
        for e in entries:
            ctxt = e.get('ctxt')
            if e.get('fuzzy') or not e['str'][0]:
                continue
            if ctxt is not None and ctxt not in en and not ctxt.startswith('label.'):
                stale.append(ctxt)
                continue
            if ctxt is not None and ctxt in en and en[ctxt] != e['id']:
                stale.append(ctxt)
                continue
            want = placeholders(e['id']) | placeholders(e.get('id_plural', ''))
            for i, s in enumerate(e['str']):
                extra = placeholders(s) - want
                if extra:
                    problems.append(f'{name}: "{ctxt}" form {i} has {sorted(extra)}, '
                                    f'which its English does not')
                if not e.get('id_plural') and placeholders(s) != want:
                    problems.append(f'{name}: "{ctxt}" must keep {sorted(want)} (has '
                                    f'{sorted(placeholders(s))})')
            if e.get('id_plural'):
                if ctxt and en.get(ctxt + '.plural') != e['id_plural']:
                    stale.append(ctxt)
                    continue
                if len(e['str']) != nplurals:
                    problems.append(f'{name}: "{ctxt}" has {len(e["str"])} plural forms, '
                                    f'Plural-Forms says {nplurals}')
            elif ctxt and ctxt + '.plural' in en:
                problems.append(f'{name}: "{ctxt}" is a counted word: it needs msgid_plural '
                                f'and msgstr[0..{nplurals - 1}]')
            if ctxt == 'lang.dir' and e['str'][0] not in ('ltr', 'rtl'):
                problems.append(f'{name}: lang.dir must be ltr or rtl')
            if ctxt is not None and ctxt.startswith('label.'):
                labels += 1  # data/vocab's labels, not en.tsv's words
            elif ctxt is not None:
                done += 1
        total = sum(1 for k in en if not k.endswith('.plural'))
        notes.append(f'{name}: {done} of {total} words translated, {labels} vocabulary labels '
                     f'({header.get(PRODUCED)}; {header.get(REVIEWED)})')
        if stale:
            notes.append(f'{name}: {len(stale)} entries are for English that has changed (not '
                         f'used until updated; run tools/i18n.py update): {", ".join(stale[:8])}')
    for n in notes:
        print(n)
    for p in problems:
        print('FAIL:', p)
    print(f'i18n check: {len(keys)} word keys in the pages, {len(pos)} translations, '
          f'{len(problems)} problems' + ('' if msgfmt else ' (msgfmt not found: syntax not checked)'))
    return 1 if problems else 0


def update(src):
    msgmerge = shutil.which('msgmerge')
    if not msgmerge:
        raise SystemExit('msgmerge not found (Debian package gettext)')
    with tempfile.TemporaryDirectory() as d:
        pot = os.path.join(d, 'signpost.pot')
        with open(pot, 'w', encoding='utf-8') as f:
            f.write(pot_text(src))
        for path in sorted(glob.glob(os.path.join(src, 'web', 'i18n', '*.po'))):
            subprocess.run([msgmerge, '--quiet', '--update', '--backup=none', '--no-wrap', path, pot],
                           check=True)
            print('updated', os.path.relpath(path, src))


def main(argv):
    if len(argv) < 2 or argv[1] not in ('pot', 'check', 'update'):
        print(__doc__.strip())
        return 2
    if argv[1] == 'pot':
        text = pot_text(SRC)
        if len(argv) > 2:
            with open(argv[2], 'w', encoding='utf-8') as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0
    if argv[1] == 'update':
        update(SRC)
        return 0
    return check(argv[2] if len(argv) > 2 else SRC)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
