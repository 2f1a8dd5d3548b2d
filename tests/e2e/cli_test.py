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


def check(args, code, stdout_has=(), stderr_has=(), timeout=None):
    try:
        proc = subprocess.run([EXTRACT] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        failures.append(f"{args}: still running after {timeout} s (blocked on an input?)")
        return
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
    check(["extract", "--help"], 0, stdout_has=["VMCORE", "--output", "Exit codes"])
    check(["--help"], 0, stdout_has=["info", "extract"])  # the subcommands are listed
    # --format is a comma-separated list of known formats (CLI11 delimiter).
    check([text_file, text_file, "-o", out, "--format", "raw,perf"], 3, stderr_has=["not a vmcore"])
    check([text_file, text_file, "-o", out, "--format", "raw,bogus"], 2, stderr_has=["--format", "bogus"])
    check(["info", text_file, "-o", out], 2)  # -o is the extraction's, not info's
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
    # Every cap on hostile input has a flag (man page, LIMITS), listed in the
    # help of the commands that apply it, and takes 1..a ceiling: 0 would
    # refuse everything, a value past the ceiling would bound nothing.
    extract_limits = {"--max-nodes": 1 << 24, "--max-buffer-size": 1 << 40,
                      "--max-name-length": 1 << 20, "--max-kernel-text": 4 << 30,
                      "--max-output-size": 1 << 40}
    read_limits = {"--max-notes": 1 << 24, "--max-note-size": 1 << 30,
                   "--max-vmcoreinfo-size": 64 << 20, "--max-object-size": 16 << 20}
    check(["--help"], 0, stdout_has=list(extract_limits) + list(read_limits))
    check(["info", "--help"], 0, stdout_has=list(read_limits))
    for flag, ceiling in {**extract_limits, **read_limits}.items():
        for bad in ("0", str(ceiling + 1), "-1", "12k"):
            check([text_file, text_file, "-o", out, f"{flag}={bad}"], 2,
                  stderr_has=[flag, f"from 1 to {ceiling}"])
        check([text_file, text_file, "-o", out, f"{flag}="], 2, stderr_has=[flag])
        # In range: the flag is accepted and the run goes on to find no dump.
        check([text_file, text_file, "-o", out, flag, hex(ceiling)], 3, stderr_has=["not a vmcore"])
    for flag, ceiling in read_limits.items():
        check(["info", text_file, f"{flag}=0"], 2, stderr_has=[flag, f"from 1 to {ceiling}"])
        check(["info", text_file, flag, "1"], 3, stderr_has=["not a vmcore"])
    check(["info", text_file, "--max-kernel-text=1"], 2)  # extraction only
    # A FIFO (or any special file) named as an input is refused at once with
    # "not a regular file": opening one the plain way waits for a writer
    # forever. The timeout only turns such a hang into a failure.
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "demo")
    vmcore, vmlinux = os.path.join(demo, "vmcore"), os.path.join(demo, "vmlinux")
    not_regular = ["not a regular file"]
    check([fifo, vmlinux, "-o", out], 3, stderr_has=not_regular + ["FIFO"], timeout=120)
    check(["info", fifo], 3, stderr_has=not_regular, timeout=120)
    check([vmcore, fifo, "-o", out], 4, stderr_has=not_regular, timeout=120)
    check(["info", vmcore, fifo], 4, stderr_has=not_regular, timeout=120)
    check(["info", "--ram", f"{fifo}@0x40000000", "--arch", "arm64"], 3, stderr_has=not_regular,
          timeout=120)
    check(["info", "--ram", f"{ram}@0x40000000", "--arch", "arm64", "--vmcoreinfo", fifo], 3,
          stderr_has=not_regular, timeout=120)
    check(["info", "--ram", f"{ram}@0x40000000", "--arch", "arm64", "--vmcoreinfo", tmp], 3,
          stderr_has=["not a regular file (a directory)"], timeout=120)
    if os.path.exists(out):
        failures.append("a failed extraction created OUT")

if failures:
    print("\n\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
