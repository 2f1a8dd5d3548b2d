#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_includes.py must be able to fail: fake trees that break the rule in
each way it checks have to be reported, and a clean one must pass."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_includes  # noqa: E402

CLEAN = {
    "lib/base/CMakeLists.txt": "csd_add_module(base SOURCES error.cc EXTERNAL fmt::fmt)\n",
    "lib/base/error.h": "#pragma once\n#include <string>\n",
    "lib/memory/CMakeLists.txt": "csd_add_module(memory\n  SOURCES m.cc\n  DEPS base)\n",
    "lib/memory/m.h": '#include "base/error.h"\n#include "memory/m.h"\n',
    "lib/dump/CMakeLists.txt": "# a comment ( with a paren\ncsd_add_module(dump SOURCES d.cc DEPS memory base)\n",
    "lib/dump/d.cc": '#include "dump/d.h"\n#include "memory/m.h"\n#include <base/error.h>\n',
    "lib/dump/raw/r.cc": '#include <memory>\n#include <sys/stat.h>\n#include "dump/d.h"\n',
    "lib/kernel/CMakeLists.txt": "csd_add_module(kernel SOURCES k.cc DEPS dump memory base)\n",
    "lib/kernel/k.h": '// #include "xlat/nothing.h" is only a comment\n#include "dump/d.h"\n',
    "tools/mk/CMakeLists.txt": (
        "add_library(csd_mk STATIC a.cc)\n"
        "target_link_libraries(csd_mk PUBLIC csd_memory csd_base fmt::fmt PRIVATE csd_build_flags)\n"
        "add_executable(mk main.cc)\n"
        "target_link_libraries(mk PRIVATE csd_mk CLI11::CLI11)\n"),
    "tools/mk/a.cc": '#include "mk/a.h"\n#include "memory/m.h"\n#include "base/error.h"\n',
    "tools/mk/main.cc": '#include "options.h"\n#include <CLI/CLI.hpp>\n',
}


class CheckIncludesTest(unittest.TestCase):
    def tree(self, changes):
        """A fake source tree: CLEAN with `changes` applied."""
        files = dict(CLEAN)
        files.update(changes)
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        for rel, text in files.items():
            path = os.path.join(temp.name, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return temp.name

    def problems(self, changes):
        return check_includes.check(self.tree(changes))

    def test_clean_tree_passes(self):
        self.assertEqual(self.problems({}), [])

    def test_exit_codes(self):
        script = os.path.join(HERE, "check_includes.py")
        clean = subprocess.run([sys.executable, script, self.tree({})], capture_output=True)
        self.assertEqual(clean.returncode, 0, clean.stdout)
        bad = subprocess.run([sys.executable, script, self.tree(
            {"lib/memory/m.cc": '#include "dump/d.h"\n'})], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("lib/memory/m.cc:1:", bad.stdout)

    def test_transitive_dependency_is_not_enough(self):
        # kernel reaches base through dump and memory, but must declare it.
        problems = self.problems({
            "lib/kernel/CMakeLists.txt": "csd_add_module(kernel SOURCES k.cc DEPS dump)\n",
            "lib/kernel/k.cc": '#include "dump/d.h"\n\n#include "base/error.h"\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("lib/kernel/k.cc:3:", problems[0])
        self.assertIn("'kernel' does not declare 'base'", problems[0])

    def test_sideways_include_is_reported(self):
        # memory -> dump is not declared (and would point up the graph).
        problems = self.problems({"lib/memory/m.cc": '#include <dump/d.h>\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("lib/memory/m.cc:1:", problems[0])

    def test_nested_folders_are_checked(self):
        problems = self.problems({"lib/dump/raw/r.cc": '  #  include "kernel/k.h"\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("lib/dump/raw/r.cc:1:", problems[0])

    def test_tool_is_held_to_what_it_links(self):
        problems = self.problems({"tools/mk/main.cc": '#include "kernel/k.h"\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("'mk' does not declare 'kernel'", problems[0])

    def test_lib_may_not_include_a_tool(self):
        problems = self.problems({"lib/base/error.h": '#include "mk/a.h"\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("'base' does not declare 'mk'", problems[0])

    def test_declaring_an_upward_dependency_is_reported(self):
        # The include matches the declaration, but the declaration is wrong.
        problems = self.problems({
            "lib/memory/CMakeLists.txt": "csd_add_module(memory SOURCES m.cc DEPS dump base)\n",
            "lib/memory/m.cc": '#include "dump/d.h"\n'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("'memory' declares 'dump', against the one-way rule", problems[0])

    def test_extra_link_in_a_module_cmakelists_counts_as_declared(self):
        problems = self.problems({
            "lib/dump/CMakeLists.txt": ("csd_add_module(dump SOURCES d.cc DEPS base)\n"
                                        "target_link_libraries(csd_dump PRIVATE csd_memory)\n")})
        self.assertEqual(problems, [])

    def test_unknown_module_must_be_placed_in_the_rule(self):
        problems = self.problems({
            "lib/extra/CMakeLists.txt": "csd_add_module(extra SOURCES e.cc DEPS base)\n"})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("no place in the layering rule", problems[0])

    def test_module_name_must_match_its_folder(self):
        problems = self.problems({
            "lib/memory/CMakeLists.txt": "csd_add_module(mem SOURCES m.cc DEPS base)\n"})
        self.assertTrue(any("csd_add_module(memory" in p for p in problems), problems)


if __name__ == "__main__":
    unittest.main(verbosity=2)
