#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The containment checks of run_case.py must fail a case when csdump-extract
misbehaves. A wrapper runs the real tool and then does one thing wrong (a
file beside OUT, in the working directory or TMPDIR, a symlink, an oversize
or temporary file in OUT, a touched input); run_case.py must fail the demo
case naming it, and pass it when the wrapper does nothing wrong.

usage: harness_test.py RUN_CASE MKCORE EXTRACT KERNELS SPEC WORK
"""
import os
import shutil
import stat
import subprocess
import sys

RUN_CASE, MKCORE, EXTRACT, KERNELS, SPEC, WORK = sys.argv[1:7]

WRAPPER = r'''#!/bin/sh
"$CSD_REAL_EXTRACT" "$@"; rc=$?
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
if [ -n "$out" ] && [ -d "$out/sinks" ]; then
  case "$CSD_MISBEHAVE" in
    beside-out) echo x > "$out/../stray" ;;
    symlink) ln -s /etc/passwd "$out/sinks/evil" ;;
    oversize) head -c 2000000 /dev/zero > "$out/sinks/f6402000.etf.bin" ;;
    temporary) echo x > "$out/sinks/.csdump-1-1.tmp" ;;
  esac
fi
case "$CSD_MISBEHAVE" in
  cwd) echo x > stray.txt ;;
  tmpdir) echo x > "$TMPDIR/t"; rm "$TMPDIR/t" ;;
  input) touch "$CSD_TOUCH" ;;
esac
exit $rc
'''

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
wrapper = os.path.join(WORK, "extract.sh")
with open(wrapper, "w") as f:
    f.write(WRAPPER)
os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
# A private copy of the spec's kernel, so that touching it disturbs no other case.
kernels = os.path.join(WORK, "kernels")
variant = "seed-flipped"
os.makedirs(os.path.join(kernels, variant))
vmlinux = os.path.join(kernels, variant, "vmlinux")
shutil.copy2(os.path.join(KERNELS, variant, "vmlinux"), vmlinux)

# The cap makes an oversize file possible without writing gigabytes.
expectations = {
    "": None,
    "beside-out": "wrote outside OUT: ['stray']",
    "cwd": "wrote outside OUT: ['cwd', 'cwd/stray.txt']",
    "tmpdir": "wrote outside OUT: ['tmp']",
    "symlink": "symlink in OUT: sinks/evil",
    "oversize": "over the per-file cap of 1048576 bytes",
    "temporary": "temporary or hidden file left in OUT: sinks/.csdump-1-1.tmp",
    "input": "changed an input file",
}
failures = []
for mode, message in expectations.items():
    env = dict(os.environ, CSD_REAL_EXTRACT=EXTRACT, CSD_MISBEHAVE=mode, CSD_TOUCH=vmlinux)
    proc = subprocess.run([sys.executable, RUN_CASE, "--mkcore", MKCORE, "--extract", wrapper,
                           "--kernels", kernels, "--spec", SPEC,
                           "--work", os.path.join(WORK, "case-" + (mode or "clean")),
                           "--arg=--max-output-size=1048576"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if message is None:
        if proc.returncode != 0:
            failures.append(f"clean run failed:\n{proc.stderr}")
    elif proc.returncode == 0 or message not in proc.stderr:
        failures.append(f"{mode}: run_case.py exit {proc.returncode}, expected a failure "
                        f"naming {message!r}:\n{proc.stderr}")
if failures:
    print("\n\n".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(expectations) - 1} kinds of misbehaviour caught")
