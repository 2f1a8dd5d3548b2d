#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""csdump benchmarks: the cost model of issue 7, measured.

Builds every case under a scratch directory (never in the repository), runs
each command --runs times after one warm-up run, alternating the commands a
case compares so that a noisy machine slows them alike, and prints one table:
median wall time, median CPU time (user + sys), peak RSS (ru_maxrss of the
child, from os.wait4) and the ratio against the baseline measured in the same
run, with the target from the issue.

Cases (--cases, comma-separated; default all):

  dump-size    the same list in a 1 GiB and in a 64 GiB sparse ELF dump
               (csdump-mkcore), all output formats; target: within 10 %
  debuginfo    the same list against the seed-flipped fake kernel and against
               a variant with --cus unrelated compile units (C generated here,
               compiled with aarch64-linux-gnu-gcc like testdata/kernels)
               linked before the dump list's unit, as drivers/hwtracing is
               linked after most of a real kernel; --format raw, so both
               write the same bytes; target: within 10 %
  elf          a 1 GiB vmalloc'd sink out of an ELF dump, --format raw;
               target: >= 1 GB/s (all formats shown for information)
  zstd         the same from zstd-compressed kdump pages, --format raw, against
               zstd's single-core decompression speed on the same data in the
               same form (`zstd -b1 -B4096`: independent 4 KiB pages at level
               1, as makedumpfile -z writes them); target: >= 70 %. `zstd -d`
               of the buffer as one stream, to a file, is shown for information
  real         csdump-extract against tests/realkernel/drgn_extract.py on the
               real Debian arm64 dumps of the real-kernel harness, if cached
               (${CSD_REALKERNEL_CACHE:-~/.cache/csdump-realkernel}/<kernel-id>/dumps/);
               target: >= 10x faster writing the same buffers (--format raw),
               peak RSS < 100 MB. Skipped with a message when nothing is cached.

The dumps stay in the scratch directory between runs and are rebuilt only
when their inputs change (or with --rebuild); they are read from the page
cache, so the figures are CPU and memory costs, not disk speed. Outputs are
deleted after every run, outside the timing.

Usage: bench/run.py [--build DIR] [--scratch DIR] [--runs N] [--cases LIST]
"""

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNELS_SRC = ROOT / "testdata" / "kernels"
ALL_CASES = ["dump-size", "debuginfo", "elf", "zstd", "real"]
GIB = 1 << 30
MIB = 1 << 20

# The list every scaling case extracts: like the real-kernel module's (two
# CPUs' ETMv4 metadata, a kmalloc'd 64 KiB ETF, a vmalloc'd 1 MiB ETR).
ETM = {"trcconfigr": "0x0", "trcidr0": "0x28000ea1", "trcidr1": "0x4100f403",
       "trcidr2": "0x00000488", "trcidr8": "0x0", "trcauthstatus": "0xcc"}
LIST_NODES = [
    {"cpu": 0, "type": 0, "device": "22040000.etm", "content": {"etmv4": dict(ETM, trctraceidr="0x10")}},
    {"cpu": 1, "type": 0, "device": "22140000.etm", "content": {"etmv4": dict(ETM, trctraceidr="0x12")}},
    {"cpu": 0, "type": 1, "device": "f6402000.etf", "alloc": "kmalloc",
     "content": {"pattern": {"size": 64 << 10, "barrier": False}}},
    {"cpu": 1, "type": 1, "device": "20070000.etr", "alloc": "vmalloc",
     "content": {"pattern": {"size": 1 << 20, "barrier": True}}},
]


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def spec(ram, nodes, fmt="kdump", **extra):
    s = {"comment": "bench/run.py", "format": fmt, "kaslr_offset": "0x1e50000",
         "phys_offset": "0x40000000", "ram": [{"start": "0x40000000", "size": hex(ram)}],
         "kernel_phys": "0x40200000", "seed": 1, "nodes": nodes}
    s.update(extra)
    return s


# ---------------------------------------------------------------- building

class Builder:
    def __init__(self, args):
        self.args = args
        self.build = args.build
        self.scratch = args.scratch
        self.extract = self.build / "tools" / "csdump-extract" / "csdump-extract"
        self.mkcore = self.build / "tools" / "csdump-mkcore" / "csdump-mkcore"
        self.seed_kernel = self.build / "testdata" / "kernels" / "seed-flipped"
        for p in (self.extract, self.mkcore, self.seed_kernel / "vmlinux"):
            if not p.exists():
                sys.exit(f"bench: {p} is missing: build first (cmake --build {self.build})")

    @staticmethod
    def fingerprint(*items):
        h = hashlib.sha256()
        for item in items:
            if isinstance(item, Path):
                st = item.stat()
                h.update(f"{item}:{st.st_size}:{st.st_mtime_ns}".encode())
            else:
                h.update(json.dumps(item, sort_keys=True).encode())
        return h.hexdigest()[:16]

    def cached(self, directory, key):
        stamp = directory / "stamp"
        return (not self.args.rebuild and stamp.exists() and stamp.read_text() == key)

    def dump(self, name, the_spec, vmlinux):
        """DIR with vmcore and expected.json for `the_spec` against `vmlinux`."""
        d = self.scratch / "dumps" / name
        key = self.fingerprint(the_spec, vmlinux, self.mkcore)
        if self.cached(d, key):
            return d
        log(f"building dump {name}")
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        (d / "spec.json").write_text(json.dumps(the_spec, indent=1))
        subprocess.run([str(self.mkcore), str(d / "spec.json"), "-o", str(d),
                        "--vmlinux", str(vmlinux)], check=True, stdout=subprocess.DEVNULL)
        (d / "stamp").write_text(key)
        return d

    # The fake kernel with many unrelated compile units. Same compiler flags,
    # linker script and sources as testdata/kernels/CMakeLists.txt's
    # seed-flipped variant (csd_fake_kernel), plus the generated units, linked
    # between kernel_common.c/kernel_misc.c (init/, kernel/: init_uts_ns) and
    # dump_list_v2.c (drivers/hwtracing/coresight: the list and its node), so
    # that a type lookup walking units in link order pays for all of them.
    GENERATOR_VERSION = 3

    def many_cu_kernel(self, cus):
        gcc = shutil.which("aarch64-linux-gnu-gcc")
        if not gcc:
            sys.exit("bench: aarch64-linux-gnu-gcc is needed for the debuginfo case")
        d = self.scratch / f"kernel-{cus}-cus"
        sources = [KERNELS_SRC / n for n in ("kernel_common.c", "kernel_misc.c", "dump_list_v2.c",
                                             "kernel_types.h")]
        lds = self.seed_kernel / "kernel.lds"
        key = self.fingerprint(self.GENERATOR_VERSION, cus, gcc, lds, *sources)
        if self.cached(d, key):
            return d / "vmlinux"
        log(f"building a fake kernel with {cus} generated compile units (once; cached in {d})")
        if d.exists():
            shutil.rmtree(d)
        (d / "src").mkdir(parents=True)
        (d / "obj").mkdir()
        flags = ["-g", "-O0", "-ffreestanding", "-fno-pic", "-mcmodel=large",
                 "-fno-asynchronous-unwind-tables", "-Wall", "-Wextra",
                 '-DCSD_UTS_RELEASE="6.1.0-csdump-test"', "-DCSD_PGD_ALIGN=4096",
                 "-DCSD_PGD_BYTES=4096", f"-I{KERNELS_SRC}"]
        units = []
        for i in range(cus):
            src = d / "src" / f"unit{i:05d}.c"
            src.write_text(generated_unit(i))
            units.append(src)

        def compile_one(src):
            obj = d / "obj" / (src.stem + ".o")
            subprocess.run([gcc, *flags, "-c", "-o", str(obj), str(src)], check=True)
            return obj

        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.args.jobs) as pool:
            objects = list(pool.map(compile_one, units))
        vmlinux = d / "vmlinux"
        kernel_common, kernel_misc, dump_list = (str(s) for s in sources[:3])
        subprocess.run([gcc, *flags, "-nostdlib", "-static", f"-Wl,-T,{lds}", "-Wl,--build-id",
                        "-o", str(vmlinux), kernel_common, kernel_misc,
                        *[str(o) for o in objects], dump_list], check=True)
        shutil.rmtree(d / "obj")
        log(f"  built in {time.monotonic() - t0:.0f} s: {vmlinux}")
        (d / "stamp").write_text(key)
        return vmlinux


def generated_unit(i):
    """One unrelated compile unit: its own types, variables and functions, and
    (through a variable) the kernel's common types, which every real kernel
    unit repeats in its DWARF."""
    p = f"bench{i}"
    out = ["/* SPDX-License-Identifier: MIT */",
           "/* Generated by bench/run.py: a compile unit unrelated to the dump list. */",
           '#include "kernel_types.h"', ""]
    structs = 40
    for k in range(structs):
        nxt = f"struct {p}_s{(k + 1) % structs}"
        out += [f"struct {p}_s{k} {{",
                "\tstruct list_head link;",
                f"\tunsigned long key{k};",
                f"\t{nxt} *next;",
                "\tstruct device *dev;",
                f"\tu32 flags : {k % 7 + 1};",
                f"\tu8 state[{k + 4}];",
                f"\tint (*op{k})({nxt} *, unsigned long);",
                f"\tunion {{ u64 raw; struct {{ u32 lo, hi; }} parts; void *ptr; }} v{k};",
                "};", ""]
    out += [f"enum {p}_state {{ {p.upper()}_IDLE, {p.upper()}_BUSY, {p.upper()}_DEAD }};",
            f"typedef struct {p}_s0 {p}_t;", "",
            f"struct coresight_device {p}_dev __used;",
            f"struct list_head {p}_list __used = {{ &{p}_list, &{p}_list }};",
            f"static struct {p}_s0 {p}_items[4] __used;"]
    for k in range(structs):
        out.append(f"struct {p}_s{k} {p}_v{k} __used;")
    for k in range(24):
        out += ["", f"static int __used {p}_fn{k}(struct {p}_s{k} *a, enum {p}_state st)",
                "{", f"\tint n = a->flags + (int)a->key{k} + st;",
                f"\tif (a->next) n += a->next->flags;", "\treturn n;", "}"]
    out += ["", f"int __used {p}_init(void)", "{",
            f"\treturn {p}_fn0(&{p}_v0, {p.upper()}_BUSY) + (int){p}_items[1].key0;", "}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- measuring

def run_once(cmd, out_dir=None, env=None):
    """(wall s, cpu s, peak RSS bytes) of one run, into a fresh empty
    `out_dir` (removed afterwards, outside the timing); exits on failure."""
    if out_dir:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0,):
            err.seek(0)
            sys.exit(f"bench: {' '.join(map(str, cmd))} exited with {proc.returncode}:\n"
                     + err.read().decode(errors="replace")[-2000:])
    if out_dir and out_dir.exists():
        shutil.rmtree(out_dir)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def settle(path):
    """Drops `path` from the page cache and reads it back sequentially (its
    data extents only: the dumps are sparse), so it sits in memory as a file
    read from disk does, not as the program that just wrote it left it.

    A file freshly written by ld or csdump-mkcore (or the freshly linked
    csdump-extract) can sit in the page cache in small pieces, which are
    slower to map and unmap than the large folios readahead gives a file
    read back: measured on the debuginfo case's own inputs, the same binary's
    ratio went from 1.27x to 1.08x after this step alone. A dump on a triage
    machine and a packaged vmlinux are read from disk, so the settled state is
    the one to measure."""
    # One reused buffer: the children's peak RSS counts this process's (see
    # the table's note), so reading must not grow it.
    buffer = bytearray(MIB)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # DONTNEED keeps dirty pages
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        size = os.fstat(fd).st_size
        pos = 0
        while pos < size:
            try:
                data = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole is left
                break
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            os.lseek(fd, data, os.SEEK_SET)
            left = hole - data
            while left > 0:
                n = os.readv(fd, [memoryview(buffer)[:min(left, MIB)]])
                if n == 0:
                    break
                left -= n
            pos = hole
    finally:
        os.close(fd)


def measure(commands, runs):
    """Runs each (label, cmd, out_dir) once to warm up, then `runs` times,
    interleaved (at least 41 times when a warm-up run took under 0.2 s: a
    few milliseconds of scheduling noise would otherwise decide a 10 %
    comparison). Every regular file a command names (program, dump, vmlinux)
    is settled first (settle()). Returns {label: {"wall", "cpu", "rss",
    "walls"}}."""
    for path in sorted({arg for _, cmd, _ in commands for arg in cmd
                        if os.path.isfile(arg)}):
        settle(path)
    warm = [run_once(cmd, out)[0] for _, cmd, out in commands]
    if min(warm) < 0.2:
        runs = max(runs, 41)
    samples = {label: [] for label, _, _ in commands}
    for _ in range(runs):
        for label, cmd, out in commands:
            samples[label].append(run_once(cmd, out))
    result = {}
    for label, s in samples.items():
        result[label] = {"wall": statistics.median(x[0] for x in s),
                         "cpu": statistics.median(x[1] for x in s),
                         "rss": max(x[2] for x in s),
                         "walls": [round(x[0], 4) for x in s]}
    return result


# ---------------------------------------------------------------- the table

class Table:
    def __init__(self):
        self.rows = []
        self.notes = []

    def add(self, case, what, m, ratio="", target="", verdict=""):
        self.rows.append([case, what, seconds(m["wall"]), seconds(m["cpu"]),
                          f"{m['rss'] / MIB:.0f}", ratio, target, verdict])

    def note(self, text):
        self.notes.append(text)

    def print(self):
        head = ["case", "command", "median s", "cpu s", "peak RSS MB", "ratio", "target",
                "result"]
        rows = [head] + self.rows
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        right = {2, 3, 4}
        line = lambda r: "  ".join(c.rjust(w) if i in right else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        print(line(head))
        print("  ".join("-" * w for w in widths))
        for r in self.rows:
            print(line(r))
        for n in self.notes:
            print(f"* {n}")


def seconds(x):
    return f"{x:.4f}" if x < 1 else f"{x:.3f}"


def scaled(m, base, target):
    """The wall-time ratio of `m` to `base` as a row's ratio and verdict,
    with the CPU-time ratio beside it (less sensitive to other load)."""
    ratio = m["wall"] / base["wall"]
    return f"{ratio:.2f}x (cpu {m['cpu'] / base['cpu']:.2f}x)", target, within(ratio)


def within(ratio, tolerance=0.10):
    return "ok" if abs(ratio - 1) <= tolerance else "MISSED"


def extract_cmd(b, dump_dir, vmlinux, out, *extra):
    return [str(b.extract), str(dump_dir / "vmcore"), str(vmlinux), "-o", str(out), "-q", *extra]


# ---------------------------------------------------------------- cases

def case_dump_size(b, table, runs):
    vmlinux = b.seed_kernel / "vmlinux"
    small = b.dump("list-1g", spec(GIB, LIST_NODES), vmlinux)
    big = b.dump("list-64g", spec(64 * GIB, LIST_NODES), vmlinux)
    out = b.scratch / "out"
    m = measure([("1g", extract_cmd(b, small, vmlinux, out / "1g"), out / "1g"),
                 ("64g", extract_cmd(b, big, vmlinux, out / "64g"), out / "64g")], runs)
    table.add("dump-size", "1 GiB ELF, all formats", m["1g"], "baseline")
    table.add("dump-size", "64 GiB ELF, all formats", m["64g"],
              *scaled(m["64g"], m["1g"], "<= 1.10x"))
    sizes = [(d / "vmcore").stat() for d in (small, big)]
    table.note("dump-size: vmcore apparent/allocated "
               + ", ".join(f"{s.st_size / GIB:.0f} GiB/{s.st_blocks * 512 / MIB:.0f} MiB"
                           for s in sizes))


def debug_sections(vmlinux):
    """{name: (file offset, size)} of the .debug_* sections, from readelf -S."""
    readelf = shutil.which("aarch64-linux-gnu-readelf") or shutil.which("readelf")
    text = subprocess.run([readelf, "-S", "-W", str(vmlinux)], capture_output=True,
                          text=True, check=True).stdout
    return {m.group(1): (int(m.group(2), 16), int(m.group(3), 16))
            for m in re.finditer(r"\]\s+(\.debug_\w+)\s+\w+\s+[0-9a-f]+\s+([0-9a-f]+)\s+"
                                 r"([0-9a-f]+)", text)}


def compile_units(vmlinux, sections):
    """How many units .debug_info holds, hopping over their headers (the
    text of readelf --debug-dump would be gigabytes, and this process's
    RSS is every child's floor)."""
    offset, size = sections[".debug_info"]
    count, pos = 0, offset
    with open(vmlinux, "rb") as f:
        while pos < offset + size:
            length = int.from_bytes(os.pread(f.fileno(), 4, pos), "little")
            if length == 0xffffffff:
                pos += 12 + int.from_bytes(os.pread(f.fileno(), 8, pos + 4), "little")
            else:
                pos += 4 + length
            count += 1
    return count


def case_debuginfo(b, table, runs, cus):
    plain = b.seed_kernel / "vmlinux"
    many = b.many_cu_kernel(cus)
    # Both kernels' images must fit; the list is the same.
    s = spec(256 * MIB, LIST_NODES)
    d_plain = b.dump("list-seed-kernel", s, plain)
    d_many = b.dump(f"list-{cus}-cus-kernel", s, many)
    out = b.scratch / "out"
    m = measure([("plain", extract_cmd(b, d_plain, plain, out / "p", "--format", "raw"), out / "p"),
                 ("many", extract_cmd(b, d_many, many, out / "m", "--format", "raw"), out / "m")],
                runs)
    table.add("debuginfo", "seed-flipped vmlinux, --format raw", m["plain"], "baseline")
    table.add("debuginfo", f"+{cus} unrelated CUs, --format raw", m["many"],
              *scaled(m["many"], m["plain"], "<= 1.10x"))
    desc = []
    for vmlinux in (plain, many):
        sections = debug_sections(vmlinux)
        dwarf = sum(size for _, size in sections.values())
        desc.append(f"{dwarf / MIB:.2f} MiB of DWARF in {compile_units(vmlinux, sections)} "
                    f"units ({vmlinux.stat().st_size / MIB:.1f} MiB file)")
    table.note("debuginfo: " + " vs ".join(desc))


def big_sink_nodes(bits):
    return LIST_NODES[:2] + [{"cpu": 0, "type": 1, "device": "20070000.etr", "alloc": "vmalloc",
                              "content": {"pattern": {"size": GIB, "barrier": True,
                                                      "bits": bits}}}]


def case_elf(b, table, runs):
    vmlinux = b.seed_kernel / "vmlinux"
    d = b.dump("sink-1g-elf", spec(3 * GIB, big_sink_nodes(8)), vmlinux)
    out = b.scratch / "out"
    m = measure([("raw", extract_cmd(b, d, vmlinux, out / "r", "--format", "raw"), out / "r"),
                 ("all", extract_cmd(b, d, vmlinux, out / "a"), out / "a")], runs)
    rate = GIB / m["raw"]["wall"] / 1e9
    table.add("elf", "1 GiB vmalloc'd sink, --format raw", m["raw"], f"{rate:.2f} GB/s",
              ">= 1 GB/s", "ok" if rate >= 1 else "MISSED")
    table.add("elf", "1 GiB vmalloc'd sink, all formats", m["all"],
              f"{GIB / m['all']['wall'] / 1e9:.2f} GB/s", "(info: + perf.data copy)")


def zstd_bench_speed(zstd, data):
    """zstd's own single-core decompression speed (bytes/s) for `data` cut
    into independent 4 KiB blocks at level 1: what makedumpfile -z writes
    (one ZSTD_compress per page), decompressed in memory, without I/O."""
    res = subprocess.run([zstd, "-b1", "-B4096", "-i1", str(data)], capture_output=True,
                         text=True, check=True)
    speeds = re.findall(r"MB/s,\s*([0-9.]+) MB/s", res.stdout + res.stderr)
    if not speeds:
        sys.exit(f"bench: cannot read zstd -b output:\n{res.stdout}{res.stderr}")
    return float(speeds[-1]) * 1e6


def case_zstd(b, table, runs):
    zstd = shutil.which("zstd")
    if not zstd:
        table.note("zstd: skipped: no zstd program (apt-get install zstd)")
        return
    vmlinux = b.seed_kernel / "vmlinux"
    d = b.dump("sink-1g-zstd", spec(3 * GIB, big_sink_nodes(2), fmt="kdump-compressed",
                                    compression="zstd"), vmlinux)
    sink, stream = d / "sink.bin", d / "stream.zst"
    if not (sink.exists() and stream.exists()) or b.args.rebuild:
        # The buffer itself (for zstd -b) and as one zstd stream (level 1).
        out = b.scratch / "out" / "zsink"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(extract_cmd(b, d, vmlinux, out, "--format", "raw"), check=True)
        shutil.move(out / "sinks" / "20070000.etr.bin", sink)
        shutil.rmtree(out)
        subprocess.run([zstd, "-q", "-f", "-1", str(sink), "-o", str(stream)], check=True)
    out = b.scratch / "out"
    m = measure([
        ("csdump", extract_cmd(b, d, vmlinux, out / "z", "--format", "raw"), out / "z"),
        ("stream", [zstd, "-q", "-d", "-f", str(stream), "-o", str(out / "zs" / "x")],
         out / "zs")], runs)
    log(f"zstd -b1 -B4096 on the 1 GiB buffer, {runs} times")
    pages = statistics.median(zstd_bench_speed(zstd, sink) for _ in range(runs))
    size = sink.stat().st_size
    ours = size / m["csdump"]["wall"]
    stream_rate = size / m["stream"]["wall"]
    t = size / pages
    table.add("zstd", "zstd -b1 -B4096: 4 KiB pages, in memory", {"wall": t, "cpu": t, "rss": 0},
              f"{pages / 1e9:.2f} GB/s", "baseline")
    table.rows[-1][4] = "-"
    table.add("zstd", "zstd -d of one stream, to a file", m["stream"],
              f"{stream_rate / 1e9:.2f} GB/s", "(info)")
    table.add("zstd", "1 GiB sink from zstd pages, --format raw", m["csdump"],
              f"{ours / pages:.0%} ({ours / 1e9:.2f} GB/s)", ">= 70%",
              "ok" if ours / pages >= 0.7 else "MISSED")
    table.note(f"zstd: the dump holds the sink as {size >> 12} pages compressed one by one "
               f"(makedumpfile -z style, level 1); the baseline is zstd's own decompression "
               f"speed for exactly that (median of {runs} `zstd -b1 -B4096 -i1`), our figure "
               f"includes reading the dump and writing and hashing sinks/20070000.etr.bin")


def drgn_python():
    for py in (sys.executable, "/usr/bin/python3"):
        if py and subprocess.run([py, "-c", "import drgn"], capture_output=True).returncode == 0:
            return py
    return None


def host_drgn_reads(scenario):
    """Whether the host's python3-drgn reads this kernel's dumps (the
    real-kernel matrix says: kernels.py's "drgn" and "drgn_unsupported"); the
    others are cross-checked with another drgn or none, so no baseline here."""
    sys.path.insert(0, str(ROOT / "tests" / "realkernel"))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import kernels  # noqa: E402  (stdlib only)
    spec = kernels.KERNELS.get(scenario.get("kernel_id", kernels.DEFAULT_KERNEL), {})
    return spec.get("drgn", "host") == "host" and not spec.get("drgn_unsupported")


def case_real(b, table, runs):
    cache = Path(os.environ.get("CSD_REALKERNEL_CACHE",
                                Path.home() / ".cache" / "csdump-realkernel"))
    dumps = cache / "<kernel-id>" / "dumps"
    scenarios = sorted(cache.glob("*/dumps/*/scenario.json")) if cache.is_dir() else []
    if b.args.real_scenarios:
        scenarios = [s for s in scenarios if s.parent.name in b.args.real_scenarios]
    if not scenarios:
        table.note(f"real: skipped: no real-kernel dumps in {dumps} (make them with "
                   "tests/realkernel/make_dumps.py; see tests/realkernel/README.md)")
        return
    drgn_script = ROOT / "tests" / "realkernel" / "drgn_extract.py"
    py = drgn_python()
    help_text = subprocess.run([str(b.extract), "--help"], capture_output=True, text=True).stdout
    if "--debuginfo" not in help_text:
        table.note("real: skipped: this csdump-extract has no --debuginfo (the list is in a module)")
        return
    out = b.scratch / "out"
    for meta in scenarios:
        sc = json.loads(meta.read_text())
        for fmt, dump in sc["dumps"].items():
            if b.args.real_formats and fmt not in b.args.real_formats:
                continue
            path = meta.parent / dump["file"]
            common = [str(path), sc["vmlinux"], "--debuginfo", sc["module"]]
            cmds = [("raw", [str(b.extract), *common, "-o", str(out / "cr"), "-q",
                             "--format", "raw"], out / "cr"),
                    ("all", [str(b.extract), *common, "-o", str(out / "ca"), "-q"], out / "ca")]
            if host_drgn_reads(sc) and dump.get("drgn") and py and drgn_script.exists():
                cmds.append(("drgn", [py, str(drgn_script), *common, "-o", str(out / "dr"), "-q"],
                             out / "dr"))
            m = measure(cmds, runs)
            name = f"real {sc.get('kernel_id', '')} {sc['scenario']}.{fmt}"
            rss_ok = m["raw"]["rss"] < 100 * MIB
            if "drgn" in m:
                table.add(name, "drgn_extract.py (same buffers)", m["drgn"], "baseline")
                speed = m["drgn"]["wall"] / m["raw"]["wall"]
                table.add(name, "csdump-extract --format raw", m["raw"], f"{speed:.1f}x faster",
                          ">= 10x, < 100 MB",
                          "ok" if speed >= 10 and rss_ok else "MISSED")
                table.add(name, "csdump-extract, all formats", m["all"],
                          f"{m['drgn']['wall'] / m['all']['wall']:.1f}x faster", "(info)")
            else:
                why = "Debian 12's drgn cannot read this dump" if not (
                    dump.get("drgn") and host_drgn_reads(sc)) else \
                    "no python3-drgn" if not py else "no tests/realkernel/drgn_extract.py"
                table.add(name, "csdump-extract --format raw", m["raw"], f"({why})", "< 100 MB",
                          "ok" if rss_ok else "MISSED")
                table.add(name, "csdump-extract, all formats", m["all"], "", "(info)")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--build", type=Path, help="the CMake build directory (default: build-bench, "
                    "else build)")
    ap.add_argument("--scratch", type=Path,
                    default=Path(os.environ.get("TMPDIR", "/tmp")) / "csdump-bench",
                    help="where cases are built and outputs written (default: $TMPDIR/"
                    "csdump-bench); needs a few GiB free and sparse-file support")
    ap.add_argument("--runs", type=int, default=5, help="measured runs per command (default 5)")
    ap.add_argument("--cases", default=",".join(ALL_CASES),
                    help=f"comma-separated subset of {','.join(ALL_CASES)}")
    ap.add_argument("--cus", type=int, default=3000,
                    help="unrelated compile units in the debuginfo case (default 3000)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel compiles (default 2)")
    ap.add_argument("--real-scenarios", type=lambda s: s.split(","),
                    help="real-kernel scenarios to run (default: all cached)")
    ap.add_argument("--real-formats", type=lambda s: s.split(","), default=["elf", "zlib"],
                    help="dumps of each scenario (default: elf,zlib)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild every case")
    ap.add_argument("--json", type=Path, help="also write the table's rows as JSON")
    args = ap.parse_args()
    if args.runs < 5:
        log(f"note: {args.runs} runs per command; the issue asks for medians of at least 5")
    if args.build is None:
        args.build = next((ROOT / d for d in ("build-bench", "build") if (ROOT / d).is_dir()),
                          ROOT / "build")
    args.build = args.build.resolve()
    args.scratch = args.scratch.resolve()
    if args.scratch == ROOT or ROOT in args.scratch.parents:
        sys.exit("bench: --scratch must be outside the repository")
    args.scratch.mkdir(parents=True, exist_ok=True)
    cases = [c for c in args.cases.split(",") if c]
    for c in cases:
        if c not in ALL_CASES:
            sys.exit(f"bench: unknown case {c} (cases: {', '.join(ALL_CASES)})")

    b = Builder(args)
    table = Table()
    for c in cases:
        log(f"case {c}")
        if c == "dump-size":
            case_dump_size(b, table, args.runs)
        elif c == "debuginfo":
            case_debuginfo(b, table, args.runs, args.cus)
        elif c == "elf":
            case_elf(b, table, args.runs)
        elif c == "zstd":
            case_zstd(b, table, args.runs)
        elif c == "real":
            case_real(b, table, args.runs)
    shutil.rmtree(args.scratch / "out", ignore_errors=True)
    print(f"csdump benchmarks: {args.runs} runs per command after one warm-up, medians; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the end")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    table.note(f"peak RSS is the child's ru_maxrss, which Linux starts from the forking "
               f"process: figures below this bench's own {floor / MIB:.0f} MB are not "
               f"measurable")
    table.print()
    if args.json:
        args.json.write_text(json.dumps({"rows": table.rows, "notes": table.notes}, indent=1))


if __name__ == "__main__":
    main()
