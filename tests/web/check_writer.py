#!/usr/bin/env python3
"""check_writer.py - the portal's HTML is escaped by construction, proved
at build time (issue 17 item 5):

1. compile-fail cases: with searchd's own compiler flags (from the build's
   compile_commands.json), a pg_raw of anything but a string literal, a
   pg_fmt with a computed format, a pg_fmt whose arguments do not match
   its format, and the retired pg_printf must not compile, and the error
   must name the macro; the same code with literals compiles.
2. every pg_fmt/html_fmt format in searchd/ uses only html_fmt's
   conversions (%pT %pA %pU %pS, integers, %f, %%): never %s;
3. pg_raw_lit_ (the writer behind pg_raw) is called only by the macros in
   pages.h, no page writes into the page buffer behind the writer's back,
   and every pg_trusted call has a comment saying why and is listed in
   docs/security.md.

Usage: check_writer.py SOURCE_ROOT BUILD_ROOT"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
failures, checks = [], 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL " + what)


def compiler_for_pages():
    """searchd/pages.c's compile command, made to check a file's syntax."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        cmds = json.load(f)
    e = next(c for c in cmds if c["file"].replace("\\", "/").endswith("searchd/pages.c"))
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MQ", "-MF", "-MT"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.endswith("pages.c") or a.startswith("-fdiagnostics-color"):
            continue
        out.append(a)
    return out + ["-fsyntax-only", "-Werror", "-fdiagnostics-color=never"], e["directory"]


PRELUDE = '#include "pages.h"\nvoid t(pg *p, const char *s, int n);\nvoid t(pg *p, const char *s, int n)\n{\n'
CASES = [
    # name, body, should compile, what the error must name (a regex)
    ("literals", 'pg_raw(p, "<p>" "x</p>");\n pg_raw_if(p, n, "a", "b");\n'
                 ' pg_fmt(p, "<a href=\\"%pU\\">%pT</a> %d", s, s, n);\n (void)s;', True, None),
    ("pg_raw of a variable", "pg_raw(p, s); (void)n;", False, r"macro .pg_raw."),
    ("pg_raw of a choice", 'pg_raw(p, n ? "a" : "b"); (void)s;', False, r"macro .pg_raw."),
    ("pg_raw of a call", "pg_raw(p, html_t(p->L, s)); (void)n;", False, r"macro .pg_raw."),
    ("pg_raw_if with a variable", 'pg_raw_if(p, n, s, "b");', False, r"macro .pg_raw_if."),
    ("pg_fmt with a computed format", "pg_fmt(p, s, n);", False, r"macro .pg_fmt."),
    ("pg_fmt with an int for %pT", 'pg_fmt(p, "%pT", n); (void)s;', False, r"macro .pg_fmt."),
    ("pg_fmt with a string for %d", 'pg_fmt(p, "%d", s); (void)n;', False, r"macro .pg_fmt."),
    ("pg_fmt with an argument missing", 'pg_fmt(p, "%pT %pA", s); (void)n;', False, r"macro .pg_fmt."),
    ("pg_printf (retired)", 'pg_printf(p, "%s", s); (void)n;', False, r"function .pg_printf."),
]


def compile_cases():
    cmd, cwd = compiler_for_pages()
    with tempfile.TemporaryDirectory() as tmp:
        for name, body, ok, word in CASES:
            path = os.path.join(tmp, "case.c")
            with open(path, "w") as f:
                f.write(PRELUDE + "    " + body + "\n}\n")
            r = subprocess.run(cmd + [path], cwd=cwd, capture_output=True, text=True)
            if ok:
                check(r.returncode == 0, f"{name}: compiles ({r.stderr[-800:]})")
            else:
                check(r.returncode != 0, f"{name}: must not compile")
                check(re.search(word, r.stderr) is not None,
                      f"{name}: the error names {word} ({r.stderr[-400:]})")


STR = r'"(?:[^"\\\n]|\\.)*"'
CONV = re.compile(r"%(?:%|p[TAUS]|[-0]*\d{0,3}(?:hh|h|ll|l|z|j)?[diuxX]|[-0]*\d{0,3}(?:\.\d{1,2})?f)")


def strip_comments(text):
    """Comments out (strings kept), so a commented call is not counted."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            out.append("\n" * text.count("\n", i, j))
            i = j + 2
        elif text.startswith("//", i):
            i = text.find("\n", i)
        elif text[i] == '"':
            m = re.compile(STR).match(text, i)
            out.append(m.group(0))
            i = m.end()
        elif text[i] == "'":
            m = re.compile(r"'(?:[^'\\]|\\.)*'").match(text, i)
            out.append(m.group(0))
            i = m.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def static_checks():
    sdir = os.path.join(src, "searchd")
    files = sorted(f for f in os.listdir(sdir) if f.endswith((".c", ".h")))
    formats = trusted = 0
    trusted_sites = []
    for fn in files:
        raw = open(os.path.join(sdir, fn), encoding="utf-8").read()
        code = strip_comments(raw)
        for m in re.finditer(r"\b(pg_fmt|html_fmt)\s*\(\s*[^,;]+,\s*((?:" + STR + r"\s*)+)", code):
            fmt = "".join(re.findall(STR, m.group(2)))
            formats += 1
            rest = CONV.sub("", fmt)
            check("%" not in rest, f"searchd/{fn}: {m.group(1)} format {fmt[:60]}... has a conversion "
                                   "html_fmt does not have")
        for m in re.finditer(r"\b(pg_fmt|html_fmt)\s*\(\s*[^,;]+,\s*(?!\s*\")", code):
            line = code[code.rfind("\n", 0, m.start()) + 1:code.find("\n", m.start())]
            if re.match(r"\s*(#define|int|void)\s", line):
                continue  # the macro and the declarations
            check(False, f"searchd/{fn}: {m.group(1)} with a format that is not a literal")
        for m in re.finditer(r"\bpg_raw_lit_\s*\(", code):
            line = code[code.rfind("\n", 0, m.start()) + 1:code.find("\n", m.start())]
            ok = (fn == "pages.h" and line.lstrip().startswith(("#define", "void pg_raw_lit_"))) or \
                 (fn == "pages.c" and line.startswith("void pg_raw_lit_("))
            check(ok, f"searchd/{fn}: pg_raw_lit_ called directly: {line.strip()}")
        if fn != "pages.c":
            for m in re.finditer(r"&\s*\(?\s*p\s*(->|\.)\s*b\b", code):
                check(False, f"searchd/{fn}: writes into the page buffer directly "
                             f"(line {code.count(chr(10), 0, m.start()) + 1})")
        lines = raw.split("\n")
        for i, line in enumerate(lines):
            if re.search(r"\bpg_trusted\s*\(", line) and not re.match(r"\s*(void pg_trusted|\*|/\*)", line) \
                    and fn not in ("pages.h",) and not line.startswith("void pg_trusted("):
                trusted += 1
                said = "/*" in line or "//" in line or (i > 0 and lines[i - 1].rstrip().endswith("*/"))
                check(said, f"searchd/{fn}:{i + 1}: pg_trusted without a comment (on its line or "
                            "just above) saying why")
                trusted_sites.append(f"searchd/{fn}")
    check(formats > 20, f"found the pages' pg_fmt formats ({formats})")
    doc = open(os.path.join(src, "docs", "security.md"), encoding="utf-8").read()
    sec = doc[doc.find("<!-- pg_trusted sites -->"):doc.find("<!-- /pg_trusted sites -->")]
    check(sec != "", "docs/security.md has the pg_trusted list (<!-- pg_trusted sites -->)")
    listed = re.findall(r"`(searchd/[\w.]+)`", sec)
    check(sorted(listed) == sorted(trusted_sites),
          f"docs/security.md lists every pg_trusted call once per call: {sorted(listed)} vs code {sorted(trusted_sites)}")
    print(f"{formats} formats checked, {trusted} pg_trusted calls")


compile_cases()
static_checks()
print(f"web_writer_check: {checks} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
