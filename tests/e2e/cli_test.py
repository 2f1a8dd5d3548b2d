#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Command-line contract of csdump-extract: help, version, usage errors and
the exit codes for inputs that are not dumps at all."""
import os
import subprocess
import sys
import tempfile

EXTRACT = sys.argv[1]
failures = []


def check(args, code, stdout_has=(), stderr_has=()):
    proc = subprocess.run([EXTRACT] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    problems = []
    if proc.returncode != code:
        problems.append(f"exit {proc.returncode}, expected {code}")
    problems += [f"stdout lacks {t!r}" for t in stdout_has if t not in proc.stdout]
    problems += [f"stderr lacks {t!r}" for t in stderr_has if t not in proc.stderr]
    if problems:
        failures.append(f"{args}: {'; '.join(problems)}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")


with tempfile.TemporaryDirectory() as tmp:
    text_file = os.path.join(tmp, "notes.txt")
    with open(text_file, "w") as f:
        f.write("this is not a crash dump\n")
    empty = os.path.join(tmp, "empty")
    open(empty, "w").close()
    out = os.path.join(tmp, "out")

    check(["--help"], 0, stdout_has=["VMCORE", "VMLINUX", "--output", "Exit codes", "--force"])
    check(["info", "--help"], 0, stdout_has=["VMCORE", "--phys-offset"])
    check(["--version"], 0, stdout_has=["csdump-extract"])
    check([], 2, stderr_has=["VMCORE"])
    check([text_file, text_file], 2, stderr_has=["--output"])
    check([text_file, text_file, "-o", out, "--no-such-flag"], 2)
    check([text_file, text_file, "-o", out, "--page-size", "1234"], 2)
    check([text_file, text_file, "-o", out, "--phys-offset", "zz"], 2)
    check([os.path.join(tmp, "missing"), text_file, "-o", out], 3, stderr_has=["missing"])
    check([text_file, text_file, "-o", out], 3, stderr_has=["not a vmcore"])
    check([empty, text_file, "-o", out], 3)
    check(["info", text_file], 3, stderr_has=["not a vmcore"])
    check(["extract", text_file, text_file, "-o", out], 3)
    check([text_file, text_file, "-o", out, "--split-part", text_file], 3, stderr_has=["split dump"])
    check(["info", text_file, "--split-part", text_file], 3, stderr_has=["split dump"])
    # Arguments that contradict each other are usage errors, not bad dumps.
    ram = os.path.join(tmp, "ram.bin")
    with open(ram, "wb") as f:
        f.write(b"\0" * 8192)
    check(["info", "--ram", f"{ram}@0x40000000", "--ram", f"{ram}@0x40001000", "--arch", "arm64"],
          2, stderr_has=["overlap"])
    check(["info", "--ram", f"{ram}@0xfffffffffffff000", "--arch", "arm64"], 2,
          stderr_has=["2^64"])
    check([text_file, text_file, "-o", out, "--debuginfo", os.path.join(tmp, "absent.ko")], 2,
          stderr_has=["--debuginfo"])
    check([text_file, text_file, "-o", out, "--sysroot", text_file], 2, stderr_has=["--sysroot"])
    if os.path.exists(out):
        failures.append("a failed extraction created OUT")

if failures:
    print("\n\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
