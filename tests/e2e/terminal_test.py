#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Strings from a hostile dump never reach the terminal raw: a dump whose
OSRELEASE, BUILD-ID and device name hold ESC, BEL and C1 bytes is extracted
and described, and every line csdump-extract prints must be free of control
bytes, with the escaped form (\\x1b) where the dump had them."""
import argparse
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--mkcore", required=True)
ap.add_argument("--extract", required=True)
ap.add_argument("--kernels", required=True)
ap.add_argument("--spec", required=True)
args = ap.parse_args()
failures = []


def run(cmd, want_exit):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != want_exit:
        failures.append(f"{cmd}: exit {proc.returncode}, expected {want_exit}\n{proc.stderr!r}")
    return proc


def check_clean(what, data, must_have):
    raw = [b for b in data if b < 0x20 and b not in (0x0a,) or b == 0x7f]
    if raw:
        failures.append(f"{what}: raw control bytes {sorted(set(raw))} reach the terminal:\n{data!r}")
    if b"\xc2\x9b" in data:
        failures.append(f"{what}: a C1 CSI (U+009B) reaches the terminal:\n{data!r}")
    for text in must_have:
        if text not in data:
            failures.append(f"{what}: lacks {text!r}:\n{data!r}")


with tempfile.TemporaryDirectory() as tmp:
    core = os.path.join(tmp, "core")
    vmlinux = os.path.join(args.kernels, "seed-flipped", "vmlinux")
    run([args.mkcore, args.spec, "-o", core, "--vmlinux", vmlinux], 0)
    vmcore = os.path.join(core, "vmcore")
    # Refused for the mismatch: the error names the dump's OSRELEASE.
    refused = run([args.extract, vmcore, vmlinux, "-o", os.path.join(tmp, "refused")], 4)
    check_clean("mismatch error", refused.stderr, [b"\\x1b]0;pwned\\x07"])
    done = run([args.extract, vmcore, vmlinux, "-o", os.path.join(tmp, "out"), "--allow-mismatch"], 0)
    check_clean("summary", done.stdout, [b"etf\\x1b[31mred", b"6.1\\x1b]0;pwned\\x07"])
    check_clean("warnings", done.stderr, [b"\\x1b[2J\\xc2\\x9b31m"])
    info = run([args.extract, "info", vmcore], 0)
    check_clean("info", info.stdout, [b"OSRELEASE=6.1\\x1b]0;pwned\\x07"])

if failures:
    print("\n\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
