#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The one-way dependency rule (docs/design.md), checked on the source tree.

Modules:
  lib/<m>/    one CMake library per folder, `csd_add_module(<m> ... DEPS ...)`;
              its headers are included as "<m>/file.h".
  tools/<t>/  one module per folder; its dependencies are the csd_<m> libraries
              (and other tool targets) that the targets it defines link with
              target_link_libraries. Its own headers are "<t>/file.h" (mkcore)
              or plain "file.h" (the CLI), which are not checked.

Two checks, both strict:
  1. Includes. A file in module M may include "X/..." (or <X/...>) for a
     module X only when X is M or M declares X directly. Reaching X through
     another module does not count: a module that uses X says so, which keeps
     the DEPS lines the honest picture of the layering. Include paths cannot
     enforce this (every module sees lib/, and PUBLIC linking hands on the
     whole closure), so this test does.
  2. Declarations. Every declared dependency must point down the design's
     graph (LAYERS below, closed transitively): tools -> extract ->
     {output, sources}; output -> coresight (the trace model); sources ->
     coresight -> kernel -> {dump, xlat, debuginfo};
     {dump, xlat} -> memory -> base; debuginfo -> base. Tools may use any
     lib module; nothing in lib may use a tool. A lib folder missing from
     LAYERS is an error: a new module is placed in the rule on purpose.

Usage: check_includes.py [SOURCE_DIR]   (default: the tree this file is in)
Prints one line per problem and exits 1 if there is any, 0 otherwise.
"""
import os
import re
import sys

# Direct edges of the design's graph; a module may depend on anything it
# reaches through them. "output" stands for the writers (and a future
# in-process decode module would sit beside it).
LAYERS = {
    "extract": {"output", "sources"},
    "output": {"coresight"},
    "sources": {"coresight"},
    "coresight": {"kernel"},
    "kernel": {"dump", "xlat", "debuginfo"},
    "dump": {"memory"},
    "xlat": {"memory"},
    "memory": {"base"},
    "debuginfo": {"base"},
    "base": set(),
}

SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".inc", ".c", ".cc", ".cpp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*(?:"([^"]+)"|<([^>]+)>)')
COMMAND_RE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
LINK_KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE",
                 "LINK_INTERFACE_LIBRARIES"}


def strip_cmake_comments(text):
    out = []
    for line in text.splitlines():
        in_quote = False
        for i, c in enumerate(line):
            if c == '"':
                in_quote = not in_quote
            elif c == "#" and not in_quote:
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def cmake_commands(text):
    """[(command name lower-cased, [arguments])] of a CMakeLists.txt."""
    text = strip_cmake_comments(text)
    commands = []
    pos = 0
    while True:
        m = COMMAND_RE.search(text, pos)
        if not m:
            return commands
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        args = [a.strip('"') for a in text[m.end():i - 1].split()]
        commands.append((m.group(1).lower(), args))
        pos = i


def keyword_section(args, keyword, keywords):
    """The arguments after `keyword` up to the next of `keywords`."""
    out, inside = [], False
    for a in args:
        if a in keywords:
            inside = a == keyword
        elif inside:
            out.append(a)
    return out


class Tree:
    """Modules, their declared dependencies and their files."""

    def __init__(self, root):
        self.root = root
        self.problems = []
        self.kind = {}    # module -> "lib" or "tool"
        self.dirs = {}    # module -> its folder
        self.deps = {}    # module -> set of modules it declares
        self.targets = {}  # CMake target -> module that defines it
        links = {}        # module -> [linked target names]
        for kind, top in (("lib", "lib"), ("tool", "tools")):
            base = os.path.join(root, top)
            if not os.path.isdir(base):
                continue
            for name in sorted(os.listdir(base)):
                folder = os.path.join(base, name)
                cmake = os.path.join(folder, "CMakeLists.txt")
                if not os.path.isfile(cmake):
                    continue
                with open(cmake, encoding="utf-8") as f:
                    commands = cmake_commands(f.read())
                self.kind[name] = kind
                self.dirs[name] = folder
                links[name] = []
                self._read_module(kind, name, os.path.relpath(cmake, root), commands, links[name])
        for name, linked in links.items():
            self.deps[name] = {self.targets[t] for t in linked
                               if t in self.targets and self.targets[t] != name}

    def _read_module(self, kind, name, where, commands, linked):
        if kind == "lib":
            modules = [args for cmd, args in commands if cmd == "csd_add_module"]
            if len(modules) != 1 or not modules[0] or modules[0][0] != name:
                self.problems.append(
                    f"{where}: expected one csd_add_module({name} ...), the folder's name")
                return
            self.targets[f"csd_{name}"] = name
            linked.extend("csd_" + d for d in
                          keyword_section(modules[0], "DEPS", {"SOURCES", "DEPS", "EXTERNAL"}))
        for cmd, args in commands:
            if cmd in ("add_library", "add_executable") and args:
                self.targets[args[0]] = name
        own = {t for t, m in self.targets.items() if m == name}
        for cmd, args in commands:
            if cmd == "target_link_libraries" and args and args[0] in own:
                linked.extend(a for a in args[1:] if a not in LINK_KEYWORDS)

    def files(self, module):
        for dirpath, dirnames, filenames in os.walk(self.dirs[module]):
            dirnames.sort()
            for filename in sorted(filenames):
                if filename.endswith(SOURCE_SUFFIXES):
                    yield os.path.join(dirpath, filename)


def allowed_lib_deps(module):
    """Everything `module` may depend on by the design (transitive)."""
    seen, todo = set(), list(LAYERS.get(module, ()))
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(LAYERS.get(m, ()))
    return seen


def check(root):
    """The problems found in the tree at `root`, one string each."""
    tree = Tree(root)
    problems = list(tree.problems)
    if not tree.kind:
        return problems + [f"{root}: no lib/*/CMakeLists.txt or tools/*/CMakeLists.txt found"]

    for module in sorted(tree.kind):
        declared = ", ".join(sorted(tree.deps[module])) or "nothing"
        where = os.path.relpath(os.path.join(tree.dirs[module], "CMakeLists.txt"), root)
        if tree.kind[module] == "lib":
            if module not in LAYERS:
                problems.append(f"{where}: module '{module}' has no place in the layering rule "
                                "(LAYERS in tests/layering/check_includes.py); add it there")
                continue
            allowed = allowed_lib_deps(module)
        else:
            allowed = {m for m, k in tree.kind.items() if k == "lib"}
        for dep in sorted(tree.deps[module] - allowed):
            problems.append(f"{where}: '{module}' declares '{dep}', against the one-way rule "
                            f"('{module}' may use only: {', '.join(sorted(allowed)) or 'nothing'})")

        for path in tree.files(module):
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    header = m.group(1) or m.group(2)
                    if "/" not in header:
                        continue
                    target = header.split("/", 1)[0]
                    if target not in tree.kind or target == module or target in tree.deps[module]:
                        continue
                    problems.append(f"{rel}:{number}: includes \"{header}\" but '{module}' does "
                                    f"not declare '{target}' (it declares {declared})")
    return problems


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "..")
    root = os.path.normpath(root)
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layering problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"ok: every include in {root}/lib and {root}/tools is of a declared dependency")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
