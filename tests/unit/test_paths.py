#!/usr/bin/env python3
"""Every repository path that a comment or a document names exists.

Scans the tracked sources, scripts and documents for words that look like a path
into this repository (user/lib/tph.h, tests/vm/boot.sh, shared/VM.md, ...) and
fails on each one that names nothing: a comment that points at a file from before a
move misleads the next reader. A word is taken as a repository path only when it
starts at a word boundary that is not part of a longer path (not after '/', '<', a
letter or '.'), so system and kernel paths (/usr/include/yaml.h, <bpf/libbpf.h>,
kernel/bpf/ringbuf.c) are left alone. Ends with "N passed, N failed".
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Top-level folders of this repository (and the shared/ folder beside it).
TOPS = r"(?:bpf|include|user|tests|scripts|policies|packaging|docs|debian|shared)"
PATH = re.compile(r"(?<![A-Za-z0-9_./<~$-])(?:\.\./)?(" + TOPS + r"/[A-Za-z0-9_.+/-]*[A-Za-z0-9_])")
TEXT = re.compile(r"\.(c|h|sh|py|md|yaml|json|in|service|logrotate|txt)$|(^|/)(Makefile|run)$")
# Words that look like paths but name no file here on purpose: test inputs that must
# not exist, the kernel's own include/linux and include/uapi (ours has no subfolders),
# and policies/policy.yaml, the operator's copy that `make install` creates.
NOT_FILES = re.compile(r"(no-such|nonexistent|missing)|^include/(linux|uapi)/|^policies/policy\.yaml$")


def exists(path):
    return os.path.exists(os.path.join(ROOT, path))


# A heading named in a document: README "Floods", README: "Paths", docs/tph.md "Revisions".
HEADING_REF = re.compile(r'(README|docs/[A-Za-z0-9_-]+)(?:\.md)?[:,]? "([^"$]+)"')


def headings(doc):
    try:
        text = open(os.path.join(ROOT, doc), encoding="utf-8").read()
    except OSError:
        return None
    return [line.lstrip("#").strip() for line in text.splitlines() if re.match(r"#{1,6} ", line)]


def main():
    files = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    passed = failed = 0
    for name in files:
        # test data, and this file's own examples
        if name.startswith("tests/data/") or name == "tests/unit/test_paths.py" or not TEXT.search(name):
            continue
        try:
            text = open(os.path.join(ROOT, name), encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in PATH.finditer(line):
                path = m.group(1).rstrip(".")
                if m.group(0).startswith("../"):
                    continue  # beside the clone (../shared/fixtures): data a test looks for
                if NOT_FILES.search(path) or path.endswith("/"):
                    continue
                # a glob, a printf pattern or a shell variable: a family of files, not one
                if line[m.end():m.end() + 1] in ("*", "%", "$", "{", "X"):
                    continue
                if exists(path):
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL: {name}:{lineno} names {path}, which does not exist")
            for m in HEADING_REF.finditer(line):
                doc = m.group(1) + ".md"
                found = headings(doc)
                if found is not None and any(m.group(2) in h for h in found):
                    passed += 1
                else:
                    failed += 1
                    print(f'FAIL: {name}:{lineno} points at {doc} "{m.group(2)}", which has no such heading')
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
