#!/usr/bin/env python3
"""embed_text.py IN OUT FUNC - write a C file whose function FUNC() returns
the text of IN (used for /oruk/openapi.json: web/openapi.json is the
source, the daemon serves it without needing the web folder)."""
import sys

src, out, func = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
lines = []
for raw in data.split(b"\n"):
    s = ""
    for b in raw:
        c = chr(b)
        if c in '"\\':
            s += "\\" + c
        elif 32 <= b < 127 and c != "?":  # '?' avoids trigraphs
            s += c
        else:
            s += "\\%03o" % b
    lines.append('    "' + s + '\\n"')
with open(out, "w") as f:
    f.write("/* Generated from %s by searchd/embed_text.py: do not edit. */\n" % src.split("/")[-1])
    f.write("const char *%s(void);\n\n" % func)
    f.write("static const char text[] =\n")
    f.write("\n".join(lines) + ";\n\n")
    f.write("const char *%s(void)\n{\n    return text;\n}\n" % func)
