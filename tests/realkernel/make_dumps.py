#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Makes real arm64 and armhf kernel crash dumps that carry the CoreSight
panic-dump list.

For one kernel id of the matrix (fetch.KERNELS; --kernel, default
bookworm-6.1-arm64) builds module/csdump_panic_test.ko against the kernel
fetch.py selected (in the suite's build root when the kernel has one), an
initramfs (busybox, kexec-tools, makedumpfile, the 9p modules, the test module,
/csd-arch.env), boots the Debian kernel under QEMU (TCG; qemu-system-aarch64
with KASLR on, or qemu-system-arm: arches.ARCHES), panics it, and stores the
dumps per scenario:

  $CACHE/<kernel-id>/dumps/<scenario>/
    scenario.json           what the dump must contain (written last); formats
                            the kernel cannot have are listed under "skipped"
    csdump_panic_test.ko    the module the guest loaded (with DWARF)
    serial.log              the guest's console, both kernels
    vmcore.elf, vmcore.{zlib,lzo,zstd}.kdump   (kdump scenarios)
    qemu.elf, qemu.flat     (qemu-monitor)

A scenario is made again only when its inputs change: the module source, these
scripts, the kernel, QEMU's version or the scenario's settings (one hash,
inputs_hash in scenario.json). Each stage's wall time goes to
$CACHE/<kernel-id>/timings.json. A kernel that cannot be had is reported as
"SKIPPED <kernel-id>: <why>", exit 77.
Usage: make_dumps.py [--kernel KERNEL_ID] [--force] [SCENARIO...]
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import arches  # noqa: E402
import fetch  # noqa: E402
import initramfs  # noqa: E402
import patterns  # noqa: E402

CACHE = fetch.CACHE
MODULE_NAME = "csdump_panic_test"
QEMU_TIMEOUT = int(os.environ.get("CSD_REALKERNEL_QEMU_TIMEOUT", "900"))

# Each scenario: CPUs, the guest CPU model (default: the architecture's),
# who writes the dump, whether the
# panic notifiers run before kdump, and the dump formats (key -> file name).
# "needs" names a KERNELS feature the scenario is for (the scenario is part of
# the matrix only for kernels that have it); "expect_translation" lists what
# `csdump-extract info` must derive from the dump (check_dump.py checks it).
SCENARIOS = {
    "kdump-2cpu": {"smp": 2, "producer": "kdump", "post_notifiers": True,
                   "formats": {"elf": "vmcore.elf", "zlib": "vmcore.zlib.kdump",
                               "lzo": "vmcore.lzo.kdump", "zstd": "vmcore.zstd.kdump"}},
    "kdump-nonotifier": {"smp": 2, "producer": "kdump", "post_notifiers": False,
                         "formats": {"elf": "vmcore.elf"}},
    "kdump-4cpu": {"smp": 4, "producer": "kdump", "post_notifiers": True,
                   "formats": {"elf": "vmcore.elf"}},
    "qemu-monitor": {"smp": 2, "producer": "qemu", "post_notifiers": True,
                     "formats": {"elf": "qemu.elf", "flat": "qemu.flat"}},
    # A 52-bit kernel on a CPU with FEAT_LPA2 (QEMU's max; pauth-impdef keeps
    # TCG's pointer authentication cheap): the kernel really runs with 52-bit
    # VAs, 5 translation levels and LPA2 descriptors.
    "kdump-lpa2": {"smp": 2, "producer": "kdump", "post_notifiers": True,
                   "cpu": "max,pauth-impdef=on", "needs": "lpa2",
                   "formats": {"elf": "vmcore.elf"},
                   "expect_translation": {"translation_va_bits": "52", "pa_bits": "52",
                                          "levels": "5"}},
}

# How each dump file is laid out, and whether Debian's drgn can open it.
FORMAT_INFO = {
    "vmcore.elf": ("elf64 kdump (/proc/vmcore; elf32 on armhf)", True),
    "vmcore.zlib.kdump": ("kdump-compressed, zlib (makedumpfile -c -d 31)", True),
    "vmcore.lzo.kdump": ("kdump-compressed, lzo (makedumpfile -l -d 31)", True),
    "vmcore.zstd.kdump": ("kdump-compressed, zstd (makedumpfile -z -d 31)", True),
    "qemu.elf": ("elf64, physical addresses only (QEMU dump-guest-memory)", False),
    "qemu.flat": ("flattened kdump, zlib (QEMU dump-guest-memory -z)", False),
}
# The dump-guest-memory option of each QEMU monitor format. Debian 12's QEMU
# is built without lzo and snappy: -l and -s answer "kdump-lzo is not
# available now", so zlib is its only compressed format.
QEMU_DUMP_OPTIONS = {"elf": "", "flat": "-z "}


def kernel_scenarios(kid):
    """The scenarios of the matrix for this kernel: those whose "needs" it has."""
    features = fetch.KERNELS[kid].get("features", ())
    return [n for n, cfg in SCENARIOS.items() if cfg.get("needs") in (None, *features)]


def list_cases(kid):
    """One line per test case of the kernel, for CMake: SCENARIO FORMAT DRGN
    (DRGN 1: drgn can open this format; check_dump.py still skips it, by name,
    when the kernel says drgn cannot read it: KERNELS' drgn_unsupported).
    Formats the kernel cannot have are listed too: their tests report SKIPPED
    with the reason."""
    for name in kernel_scenarios(kid):
        for fmt, fname in SCENARIOS[name]["formats"].items():
            print(f"{name} {fmt} {int(FORMAT_INFO[fname][1])}")




def log(msg):
    print(f"[make_dumps] {msg}", flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# The fetch.KERNELS fields that change what a guest does.
DUMP_SPEC_KEYS = ("suite", "arch", "flavour", "packaging", "build_root", "userland_suite",
                  "guest_9p")


def inputs_hash(kernel):
    """One hash of everything the dumps depend on except the scenario itself."""
    h = hashlib.sha256()
    for path in sorted((HERE / "module").iterdir()) + [HERE / "make_dumps.py",
                                                       HERE / "patterns.py", HERE / "arches.py",
                                                       HERE / "guest_init.sh", HERE / "initramfs.py"]:
        if path.is_file() and not path.name.startswith("."):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for key in ("kernel_id", "release", "package_version", "userland_packages"):
        h.update(json.dumps(kernel[key]).encode())
    h.update(json.dumps(fetch.KERNELS[kernel["kernel_id"]], sort_keys=True).encode())
    arch = arches.arch_of(kernel["kernel_id"], fetch.KERNELS)
    qemu = subprocess.run([arch["qemu"], "--version"], capture_output=True, text=True)
    h.update(qemu.stdout.splitlines()[0].encode() if qemu.stdout else b"?")
    gcc = subprocess.run(in_build_root(kernel, [arch["cross"] + "gcc", "--version"]),
                         capture_output=True, text=True)
    h.update(gcc.stdout.splitlines()[0].encode() if gcc.stdout else b"?")
    return h.hexdigest()[:16]


def scenario_hash(common, name, cfg):
    return hashlib.sha256(f"{common}:{name}:{json.dumps(cfg, sort_keys=True)}"
                          .encode()).hexdigest()[:16]


def scenario_config(name, kernel):
    """The scenario for this kernel: its formats minus those the kernel cannot
    have, which come back as {format: why} (check_dump.py reports them skipped)."""
    cfg = dict(SCENARIOS[name])
    unsupported = fetch.KERNELS[kernel["kernel_id"]]["unsupported_formats"]
    skipped = {f: unsupported[f] for f in cfg["formats"] if f in unsupported}
    # A scenario the kernel cannot run at all: every format skipped, no QEMU.
    why = fetch.KERNELS[kernel["kernel_id"]].get("unsupported_scenarios", {}).get(name)
    if why:
        skipped = {f: why for f in cfg["formats"]}
    cfg["formats"] = {f: n for f, n in cfg["formats"].items() if f not in skipped}
    return cfg, skipped


def in_build_root(kernel, cmd):
    """cmd as run on the host, or inside the kernel's build root."""
    if not kernel.get("build_root"):
        return cmd
    return fetch.root_command(Path(kernel["build_root"]), cmd)


# ---------------------------------------------------------------- module build

def build_module(kernel, build_dir):
    src = build_dir / "module"
    ko = src / f"{MODULE_NAME}.ko"
    if ko.exists():
        return ko, None
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for f in ("csdump_panic_test.c", "Kbuild"):
        shutil.copy2(HERE / "module" / f, src / f)
    t0 = time.monotonic()
    arch = arches.arch_of(kernel["kernel_id"], fetch.KERNELS)
    # Paths under $CACHE are the same inside the build root (fetch.root_command).
    res = subprocess.run(in_build_root(kernel, [
        "make", "-C", str(Path(kernel["headers"]).resolve()), f"M={src.resolve()}",
        f"ARCH={arch['kbuild_arch']}", f"CROSS_COMPILE={arch['cross']}", "modules"]),
        capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    (src / "build.log").write_text(res.stdout + res.stderr)
    if res.returncode != 0 or not ko.exists():
        sys.exit(f"make_dumps: module build failed:\n{res.stdout}{res.stderr}")
    warnings = [l for l in (res.stdout + res.stderr).splitlines() if "warning:" in l]
    if warnings:
        sys.exit("make_dumps: module build warnings:\n" + "\n".join(warnings))
    debug = subprocess.run(["readelf", "-S", str(ko)], capture_output=True, text=True).stdout
    if ".debug_info" not in debug:
        sys.exit(f"make_dumps: {ko} has no DWARF")
    log(f"built {ko} in {elapsed:.1f} s")
    return ko, round(elapsed, 1)


# ---------------------------------------------------------------- QEMU runs

def monitor_read_prompt(sock, timeout):
    """Reads the HMP monitor's output up to its next prompt."""
    sock.settimeout(timeout)
    reply = b""
    while not reply.rstrip().endswith(b"(qemu)"):
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"monitor closed the connection after {reply!r}")
        reply += chunk
    return reply.decode(errors="replace")


def monitor_command(sock, command, timeout):
    """Sends one HMP command and waits for the next prompt; returns the reply."""
    sock.sendall(command.encode() + b"\n")
    return monitor_read_prompt(sock, timeout)


def wait_for(pattern, serial, proc, deadline):
    while time.monotonic() < deadline:
        text = serial.read_text(errors="replace") if serial.exists() else ""
        if re.search(pattern, text):
            return text
        if proc.poll() is not None:
            return None
        time.sleep(1)
    return None


def run_qemu(name, cfg, kernel, initrd, work):
    """Boots the guest for scenario name in work/ (the 9p share); returns the
    run's wall time. Leaves the dumps, serial.log and capture.status in work."""
    if same_fs(kernel["image"], work):
        os.link(kernel["image"], work / "Image")
    else:
        shutil.copy2(kernel["image"], work / "Image")
    shutil.copy2(initrd, work / "initrd.cpio.gz")
    kdump = cfg["producer"] == "kdump"
    arch = arches.arch_of(kernel["kernel_id"], fetch.KERNELS)
    append = [f"console={arch['console']}", "loglevel=7", "rdinit=/init"]
    if kdump:
        append += ["crashkernel=256M", "panic=1"]
    else:
        append += ["panic=0"]  # stay in the panic loop for the monitor
    if cfg["post_notifiers"] and kdump:
        append.append("crash_kexec_post_notifiers")
    append += [f"csd_mode={cfg['producer']}", f"csd_formats={','.join(cfg['formats'])}",
               f"csd_stext_off={kernel['stext_minus_text']}"]
    guest_9p = fetch.KERNELS[kernel["kernel_id"]]["guest_9p"]
    if guest_9p:
        append.append(f"csd_9p={guest_9p}")
    sockdir = Path(tempfile.mkdtemp(prefix="csdrk-"))
    mon = sockdir / "monitor.sock"
    serial = work / "serial.log"
    cpu = cfg.get("cpu", arch["cpu"])
    cmd = [arch["qemu"], "-M", arch["machine"], "-cpu", cpu, "-smp", str(cfg["smp"]),
           "-m", "1024M", "-accel", "tcg,thread=multi", "-display", "none", "-no-reboot",
           "-nic", "none",
           "-kernel", str(work / "Image"), "-initrd", str(work / "initrd.cpio.gz"),
           "-append", " ".join(append), "-device", "vmcoreinfo",
           *arches.share_args(arch, work),
           "-serial", f"file:{serial}", "-monitor", f"unix:{mon},server,nowait"]
    (work / "qemu.cmdline").write_text(" ".join(cmd) + "\n")
    log(f"{name}: booting ({cfg['smp']} CPUs {cpu}, {cfg['producer']})")
    t0 = time.monotonic()
    deadline = t0 + QEMU_TIMEOUT
    qemu_out = open(work / "qemu.stderr", "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qemu_out,
                            stderr=subprocess.STDOUT)
    try:
        if kdump:
            try:
                proc.wait(timeout=QEMU_TIMEOUT)
            except subprocess.TimeoutExpired:
                sys.exit(f"make_dumps: {name}: QEMU still running after {QEMU_TIMEOUT} s; "
                         f"see {serial}")
        else:
            if wait_for(r"---\[ end Kernel panic", serial, proc, deadline) is None:
                sys.exit(f"make_dumps: {name}: the guest did not panic; see {serial}")
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(str(mon))
                monitor_read_prompt(sock, 30)  # the banner
                monitor_command(sock, "stop", 30)
                status = []
                for fmt, fname in cfg["formats"].items():
                    command = f"dump-guest-memory {QEMU_DUMP_OPTIONS[fmt]}{work / fname}"
                    t1 = time.monotonic()
                    reply = monitor_command(sock, command, 600)
                    if "rror" in reply:
                        # The reply starts with the monitor's echo of the
                        # command, full of line-editing escapes: keep the error.
                        error = next(l for l in reply.splitlines() if "rror" in l)
                        sys.exit(f"make_dumps: {name}: monitor '{command}': {error.strip()}")
                    status.append(f"{fmt} 0 {round(time.monotonic() - t1)}\n")
                (work / "capture.status").write_text("".join(status))
                sock.sendall(b"quit\n")
                proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        qemu_out.close()
        out = (work / "qemu.stderr").read_text(errors="replace")
        if not out.strip():
            (work / "qemu.stderr").unlink()
        shutil.rmtree(sockdir, ignore_errors=True)
        for f in ("Image", "initrd.cpio.gz"):
            (work / f).unlink(missing_ok=True)
    elapsed = time.monotonic() - t0
    log(f"{name}: QEMU ran {elapsed:.1f} s")
    if proc.returncode != 0:
        sys.exit(f"make_dumps: {name}: QEMU exited with {proc.returncode}: {out.strip()}")
    return round(elapsed, 1)


def same_fs(a, b):
    return os.stat(a).st_dev == os.stat(b).st_dev


# ---------------------------------------------------------------- checking a run

NODE_RE = re.compile(r"csdump_panic_test: node cpu=(-?\d+) type=(\d+) name=(\S+) size=(\d+) "
                     r"buf=([0-9a-f]+)")
HEAD_RE = re.compile(r"csdump_panic_test: coresight_dump_list at ([0-9a-f]+), node size (\d+)"
                     r"(?:, list offset (\d+))?")
NOTIFIER_LINE = "csdump_panic_test: panic notifier wrote the PANIC pattern"
# arch/arm64/kernel/cpufeature.c, when the CPU has LPA2 and VA_BITS=52.
LPA2_LINE = "CPU features: detected: 52-bit Virtual Addressing (LPA2)"


def check_run(name, cfg, work):
    """What the guest reported, checked against what the scenario expects."""
    text = (work / "serial.log").read_text(errors="replace")
    if "csd: FAIL" in text:
        sys.exit(f"make_dumps: {name}: the guest failed: "
                 f"{re.search(r'csd: FAIL.*', text).group(0)}; see {work / 'serial.log'}")
    nodes = [{"cpu": int(m[0]), "type": int(m[1]), "device": m[2], "size": int(m[3]),
              "buf": "0x" + m[4]} for m in NODE_RE.findall(text)]
    head = HEAD_RE.search(text)
    stext = re.search(r"csd: _stext ([0-9a-f]{16}|[0-9a-f]{8})\b", text)
    if not nodes or not head:
        sys.exit(f"make_dumps: {name}: the module's node lines are not in {work / 'serial.log'}")
    cpus = list(range(cfg["smp"]))
    notifier_ran = NOTIFIER_LINE in text
    expect_notifier = cfg["post_notifiers"] or cfg["producer"] == "qemu"
    if notifier_ran != expect_notifier:
        sys.exit(f"make_dumps: {name}: panic notifier ran: {notifier_ran}, expected "
                 f"{expect_notifier}")
    if cfg.get("needs") == "lpa2" and LPA2_LINE not in text:
        sys.exit(f"make_dumps: {name}: the kernel did not report \"{LPA2_LINE}\" on CPU "
                 f"{cfg.get('cpu')}: it did not run with 52-bit VAs")
    phase = patterns.PHASE_PANIC if notifier_ran else patterns.PHASE_PRE_PANIC
    expected = patterns.expected_nodes(cpus, phase)
    got = [(n["cpu"], n["type"], n["device"], n["size"]) for n in nodes]
    want = [(n["cpu"], n["type"], n["device"], n["size"]) for n in expected]
    if got != want:
        sys.exit(f"make_dumps: {name}: module reported nodes {got}, expected {want}")
    for n, s in zip(expected, nodes):
        n["buf_address"] = s["buf"]
        n["sha256"] = hashlib.sha256(patterns.node_bytes(n, len(cpus))).hexdigest()
    # Written by the capture kernel (kdump) or by run_qemu (monitor dumps).
    status = {}
    if (work / "capture.status").exists():
        for line in (work / "capture.status").read_text().splitlines():
            fmt, rc, secs = line.split()
            status[fmt] = {"exit": int(rc), "seconds": int(secs)}
    for fmt in cfg["formats"]:
        if status.get(fmt, {}).get("exit") != 0:
            sys.exit(f"make_dumps: {name}: capture of {fmt} failed: {status.get(fmt)}; "
                     f"see {work / 'serial.log'}")
    for fmt, fname in cfg["formats"].items():
        if not (work / fname).exists() or (work / fname).stat().st_size == 0:
            sys.exit(f"make_dumps: {name}: {fname} was not written")
    return {"list_head": "0x" + head.group(1), "node_size": int(head.group(2)),
            "list_offset": int(head.group(3)) if head.group(3) else None,
            "stext": "0x" + stext.group(1) if stext else None,
            "nodes": nodes}, expected, phase, status


# ---------------------------------------------------------------- driver

def make_scenario(name, kernel, ko, initrd, common, force):
    cfg, skipped = scenario_config(name, kernel)
    dumps_dir = fetch.kernel_dir(kernel["kernel_id"]) / "dumps"
    final = dumps_dir / name
    key = scenario_hash(common, name, cfg)
    meta = final / "scenario.json"
    if not force and meta.exists():
        old = json.loads(meta.read_text())
        if old.get("inputs_hash") == key and all(
                (final / d["file"]).exists() for d in old["dumps"].values()):
            log(f"{name}: cached ({key})")
            return None
    work = dumps_dir / f"{name}.tmp"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if not cfg["formats"]:
        log(f"{name}: not made for this kernel: {next(iter(skipped.values()), '')}")
        (work / "scenario.json").write_text(json.dumps({
            "scenario": name, "kernel_id": kernel["kernel_id"], "inputs_hash": key,
            "dumps": {}, "skipped": skipped}, indent=2) + "\n")
        if final.exists():
            shutil.rmtree(final)
        work.rename(final)
        return None
    seconds = run_qemu(name, cfg, kernel, initrd, work)
    reported, expected, phase, status = check_run(name, cfg, work)
    shutil.copy2(ko, work / ko.name)
    kaslr = None
    if reported["stext"]:
        link = fetch.vmlinux_symbols(kernel["vmlinux"], ("_stext",))["_stext"]
        kaslr = hex(int(reported["stext"], 16) - link)
    for f in work.iterdir():
        f.chmod(0o644)  # makedumpfile writes 0600
    dumps = {}
    for fmt, fname in cfg["formats"].items():
        desc, drgn_ok = FORMAT_INFO[fname]
        # drgn: drgn can open this format (fetch.KERNELS says which drgn).
        dumps[fmt] = {"file": fname, "size": (work / fname).stat().st_size,
                      "format": desc,
                      "drgn": drgn_ok}
    scenario = {
        "scenario": name,
        "kernel_id": kernel["kernel_id"],
        "inputs_hash": key,
        "kernel_release": kernel["release"],
        "kernel_package_version": kernel["package_version"],
        "vmlinux": kernel["vmlinux"],
        "module": str(final / ko.name),
        "module_name": MODULE_NAME,
        "smp": cfg["smp"],
        "cpus": list(range(cfg["smp"])),
        "producer": cfg["producer"],
        "crash_kexec_post_notifiers": cfg["post_notifiers"] and cfg["producer"] == "kdump",
        "sink_phase": "panic" if phase == patterns.PHASE_PANIC else "pre-panic",
        "guest_cpu": cfg.get("cpu", arches.arch_of(kernel["kernel_id"], fetch.KERNELS)["cpu"]),
        "expect_translation": cfg.get("expect_translation", {}),
        "kaslr_offset": kaslr,
        "dumps": dumps,
        "skipped": skipped,
        "nodes": expected,
        "guest_reported": reported,
        "capture": status,
        "qemu_seconds": seconds,
    }
    (work / "scenario.json").write_text(json.dumps(scenario, indent=2) + "\n")
    if final.exists():
        shutil.rmtree(final)
    work.rename(final)
    log(f"{name}: " + ", ".join(f"{d['file']} {d['size']} bytes" for d in dumps.values()))
    return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    fetch.kernel_arg(ap)
    ap.add_argument("--force", action="store_true", help="make the dumps even if cached")
    ap.add_argument("--list-cases", action="store_true",
                    help="print the kernel's test cases (SCENARIO FORMAT DRGN) and exit")
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help="scenarios to make (default: all of the kernel's)")
    args = ap.parse_args()
    if args.list_cases:
        list_cases(args.kernel)
        return
    known = kernel_scenarios(args.kernel)
    names = args.scenarios or known
    unknown = [n for n in names if n not in known]
    if unknown:
        ap.error(f"{', '.join(unknown)}: not a scenario of {args.kernel}; its scenarios: "
                 f"{', '.join(known)}")

    with fetch.cache_lock():
        make(args.kernel, names, args.force)


def make(kid, names, force):
    stages = {}
    try:
        kernel, fetch_times = fetch.fetch(kid)
    except fetch.Unavailable as e:
        fetch.skip(kid, f"no kernel to boot: {e}")
    stages.update(fetch_times)
    common = inputs_hash(kernel)
    builds = fetch.kernel_dir(kid) / "build"
    build_dir = builds / common
    build_dir.mkdir(parents=True, exist_ok=True)
    for old in builds.iterdir():
        if old.name != common:
            shutil.rmtree(old, ignore_errors=True)
    ko, stages["module_build"] = build_module(kernel, build_dir)
    initrd, stages["initramfs"] = initramfs.build_initramfs(kernel, ko, build_dir)
    try:
        for name in names:
            stages[f"qemu:{name}"] = make_scenario(name, kernel, ko, initrd, common, force)
    finally:
        fetch.record_timings(kid, stages)


if __name__ == "__main__":
    main()
