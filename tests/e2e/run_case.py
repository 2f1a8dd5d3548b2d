#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One end-to-end case: build a synthetic dump from a spec with csdump-mkcore,
extract it with csdump-extract, and check everything a user relies on:

- the exit code and the diagnostics the case expects;
- every node of mkcore's expected.json against manifest.json (kind, cpu,
  device, size, sha256 of the written file, barrier, per-node errors);
- after every csdump-extract run of the case, `info` included and whatever
  its exit code: nothing written outside OUT (the case's directory, the
  run's working directory and TMPDIR, and the input files are compared
  before and after), no symlink and no temporary file in OUT, no file in OUT
  larger than the run's per-file cap (--max-output-size, or the default
  max(4 GiB, --max-buffer-size));
- every file in OUT accounted for by the manifest;
- the same input gives the same bytes (second run into another directory);
- files are not overwritten without --force, and are with it.
"""
import argparse
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, expect=None, cwd=None, env=None):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=cwd, env=env)
    if expect is not None and proc.returncode != expect:
        fail(f"{' '.join(cmd)}\nexit {proc.returncode}, expected {expect}\n"
             f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


# The default per-file cap of csdump-extract (man page, LIMITS: Output files).
DEFAULT_OUTPUT_CAP = 4 << 30
DEFAULT_BUFFER_CAP = 1 << 30


def parse_number(text):
    """0x-hex or decimal, as csdump-extract reads its limit flags."""
    return int(text[2:], 16) if text.lower().startswith("0x") else int(text, 10)


def flag_value(cmd, flag):
    """The last value given to `flag` in cmd (as `flag V` or `flag=V`), or None."""
    value = None
    for i, part in enumerate(cmd):
        if part == flag and i + 1 < len(cmd):
            value = cmd[i + 1]
        elif part.startswith(flag + "="):
            value = part[len(flag) + 1:]
    return None if value is None else parse_number(value)


def output_cap(cmd):
    """The per-file size cap a csdump-extract command line sets."""
    explicit = flag_value(cmd, "--max-output-size")
    if explicit is not None:
        return explicit
    return max(DEFAULT_OUTPUT_CAP, flag_value(cmd, "--max-buffer-size") or DEFAULT_BUFFER_CAP)


def snapshot(root, skip=()):
    """Type, size, mode and mtime of every entry under root, top-level names
    in `skip` left out. Directory mtimes catch a file created and removed."""
    state = {}
    if not os.path.lexists(root):
        return state
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if d not in skip]
            filenames = [f for f in filenames if f not in skip]
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            state[os.path.relpath(full, root)] = (stat.S_IFMT(st.st_mode), st.st_size,
                                                  stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return state


def input_paths(cmd, work):
    """Existing paths a command names outside WORK (vmlinux, debug files):
    they must not change either."""
    paths = set()
    for part in cmd[1:]:
        value = part.split("=", 1)[-1]
        for candidate in (part, value, value.rsplit("@", 1)[0]):
            if os.path.isabs(candidate) and os.path.exists(candidate) and \
                    not os.path.abspath(candidate).startswith(work + os.sep):
                paths.add(candidate)
    return sorted(paths)


def stat_inputs(paths):
    state = {}
    for path in paths:
        if os.path.isdir(path):
            state.update({os.path.join(path, k): v for k, v in snapshot(path).items()})
        else:
            st = os.stat(path)
            state[path] = (st.st_size, st.st_mtime_ns)
    return state


def check_out(out, cap, what):
    """OUT after a run: no symlink (file or directory), no temporary file left
    by an interrupted write, no file over the per-file cap."""
    if not os.path.lexists(out):
        return
    if os.path.islink(out):
        fail(f"{what}: OUT itself is a symlink")
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, out)
            if os.path.islink(full):
                fail(f"{what}: symlink in OUT: {rel} -> {os.readlink(full)}")
            # Output names are sanitised to never start with a dot; the
            # temporaries of OutputDir::WriteFile (.csdump-PID-N.tmp) do.
            if name.startswith("."):
                fail(f"{what}: temporary or hidden file left in OUT: {rel}")
            if name in filenames and os.path.getsize(full) > cap:
                fail(f"{what}: {rel} is {os.path.getsize(full)} bytes, over the per-file cap "
                     f"of {cap} bytes")


class Runner:
    """Runs csdump-extract with its working directory and TMPDIR inside WORK,
    and checks after every run that it wrote nothing but under its OUT."""

    def __init__(self, work):
        self.work = work
        self.cwd = os.path.join(work, "cwd")
        self.tmp = os.path.join(work, "tmp")
        os.makedirs(self.cwd, exist_ok=True)
        os.makedirs(self.tmp, exist_ok=True)
        self.env = dict(os.environ, TMPDIR=self.tmp)
        self.runs = 0

    def __call__(self, cmd, expect=None, out=None):
        # Only this run's OUT may change; every other directory of the case
        # (core/, earlier OUTs, debug trees, cwd/, tmp/) must stay as it was.
        skip = {os.path.basename(out)} if out else set()
        if out and os.path.dirname(os.path.abspath(out)) != self.work:
            fail(f"OUT {out} is not directly under the case directory")
        inputs = input_paths(cmd, self.work)
        before, before_inputs = snapshot(self.work, skip), stat_inputs(inputs)
        proc = run(cmd, expect, cwd=self.cwd, env=self.env)
        self.runs += 1
        what = " ".join(os.path.relpath(c, self.work) if c.startswith(self.work) else c
                        for c in cmd[1:])
        after = snapshot(self.work, skip)
        if after != before:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            fail(f"`{what}` wrote outside OUT: {changed}")
        if stat_inputs(inputs) != before_inputs:
            fail(f"`{what}` changed an input file: {inputs}")
        if out:
            check_out(out, output_cap(cmd), f"`{what}` (exit {proc.returncode})")
        return proc


def tree(root):
    """Relative paths of every file and link under root."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


# nodes[].error_code (manifest schema version 2, lib/output/manifest-schema.md).
ERROR_CODES = {"io", "corrupt", "not-mapped", "excluded", "unsupported", "lookup", "mismatch",
               "limit", "invalid-argument"}


def expected_release(spec, expected):
    """dump.osrelease: the VMCOREINFO's as the spec edits it, else mkcore's."""
    edits = spec.get("vmcoreinfo", {})
    if "OSRELEASE" in edits.get("set", {}):
        return edits["set"]["OSRELEASE"]
    return expected.get("osrelease")


def check_manifest(manifest, expected, out_dir, exit_code, want_release):
    if manifest.get("schema") != "csdump-manifest" or manifest.get("schema_version") != 2:
        fail(f"unexpected schema header: {manifest.get('schema')} {manifest.get('schema_version')}")
    for node in manifest["nodes"]:
        # Every node has the key; it is null exactly when error is.
        if "error_code" not in node:
            fail(f"node {node['index']}: no error_code key")
        code = node["error_code"]
        if (code is None) != (node.get("error") is None) or \
                (code is not None and code not in ERROR_CODES):
            fail(f"node {node['index']}: error_code {code!r} for error {node.get('error')!r}")
    # The release of the dumped kernel: VMCOREINFO's, or without OSRELEASE
    # there the init_uts_ns read from the dump (which must match the vmlinux).
    release = manifest.get("dump", {}).get("osrelease")
    if exit_code == 0 and release != want_release:
        fail(f"dump.osrelease {release!r} != {want_release!r}")
    nodes = manifest["nodes"]
    if expected.get("walk_error_expected"):
        if not manifest.get("walk_error"):
            fail("expected the list walk to stop with an error; walk_error is null")
    else:
        if manifest.get("walk_error"):
            fail(f"unexpected walk_error: {manifest['walk_error']}")
        if len(nodes) != len(expected["nodes"]):
            fail(f"{len(nodes)} nodes extracted, {len(expected['nodes'])} expected")
    if manifest["list"]["address"] != expected["list_address"]:
        fail(f"list address {manifest['list']['address']} != {expected['list_address']}")
    if expected.get("list_module"):
        check_list_module(manifest, expected)
    if manifest["dump"]["kaslr_offset"] != expected["kaslr_offset"]:
        fail(f"KASLR offset {manifest['dump']['kaslr_offset']} != {expected['kaslr_offset']}")
    by_index = {n["index"]: n for n in nodes}
    for want in expected["nodes"]:
        got = by_index.get(want["index"])
        if got is None:
            if expected.get("walk_error_expected"):
                continue
            fail(f"node {want['index']} missing from the manifest")
        where = f"node {want['index']} ({want.get('device')})"
        for key in ("cpu", "type", "kind", "buf_size", "buf_address"):
            if key in want and got[key] != want[key]:
                fail(f"{where}: {key} {got[key]!r} != expected {want[key]!r}")
        if want.get("device") is not None and not want.get("expect_error") and got["device"] != want["device"]:
            fail(f"{where}: device {got['device']!r} != {want['device']!r}")
        if want.get("expect_error"):
            if not got.get("error"):
                fail(f"{where}: expected an error, manifest has none")
            # The oracle names the kind when it can tell (prebuilt demos
            # predate the key).
            if want.get("expect_error_code") and got.get("error_code") != want["expect_error_code"]:
                fail(f"{where}: error_code {got.get('error_code')!r} != expected "
                     f"{want['expect_error_code']!r} ({got['error']})")
        else:
            if got.get("error"):
                fail(f"{where}: unexpected error {got['error']}")
        if want.get("sha256") and not want.get("expect_error"):
            if got.get("sha256") != want["sha256"]:
                fail(f"{where}: sha256 {got.get('sha256')} != expected {want['sha256']}")
            path = os.path.join(out_dir, got["file"])
            if sha256(path) != want["sha256"]:
                fail(f"{where}: {got['file']} content does not match its expected sha256")
        if got["kind"] == "sink" and "barrier" in want and got.get("barrier") != want["barrier"]:
            fail(f"{where}: barrier {got.get('barrier')} != {want['barrier']}")
    complete = manifest.get("complete")
    if complete != (exit_code == 0):
        fail(f"manifest complete={complete} but exit code {exit_code}")


def check_list_module(manifest, expected):
    """A list in a module: the manifest names that module, the build-id its
    loaded note has, and where its section was placed."""
    got = manifest["list"].get("module") or {}
    owner = next(m for m in expected["modules"] if m["owns_list"])
    if got.get("name") != owner["name"]:
        fail(f"list module {got.get('name')!r} != {owner['name']!r}")
    if owner["build_id"] and got.get("build_id") != owner["build_id"]:
        fail(f"list module build-id {got.get('build_id')!r} != {owner['build_id']!r}")
    # A loaded build-id must have been checked; without one only the name can match.
    matched_by = "build-id" if owner["build_id"] else "name"
    if got.get("matched_by") != matched_by:
        fail(f"list module debug file matched by {got.get('matched_by')!r}, expected {matched_by!r}")
    sections = {s["name"]: s["address"] for s in owner["sections"]}
    if got.get("section") not in sections or got.get("section_address") != sections[got["section"]]:
        fail(f"list module section {got.get('section')!r} at {got.get('section_address')!r}, "
             f"expected one of {sections}")


def make_debuginfo(kind, spec, expected, kernels, work):
    """--debuginfo arguments for the spec's module objects: the files
    themselves, or a directory laid out as Debian's linux-image-*-dbg
    (lib/modules/RELEASE/kernel/.../NAME.ko) or Fedora's .build-id tree
    (.build-id/xx/rest.debug, a symlink to a file outside the directory, so
    only a build-id lookup finds it). Trees go to WORK/debuginfo*."""
    objects = [os.path.join(kernels, o) for o in spec.get("module_objects", [])]
    if kind == "file":
        return [f"--debuginfo={o}" for o in objects]
    root = os.path.join(work, "debuginfo")
    for m in expected["modules"] or []:
        if not m["has_object"]:
            continue
        obj = objects[spec["modules"][m["spec_index"]]["object"]]
        if kind == "debian":
            d = os.path.join(root, "lib", "modules", expected["osrelease"], "kernel", "drivers",
                             "hwtracing", "coresight")
            os.makedirs(d, exist_ok=True)
            shutil.copyfile(obj, os.path.join(d, m["name"] + ".ko"))
        else:
            build_id = m["object_build_id"]
            store = os.path.join(work, "debuginfo-store")
            os.makedirs(store, exist_ok=True)
            target = os.path.join(store, m["name"] + ".ko.debug")
            shutil.copyfile(obj, target)
            d = os.path.join(root, ".build-id", build_id[:2])
            os.makedirs(d, exist_ok=True)
            os.symlink(os.path.relpath(target, d), os.path.join(d, build_id[2:] + ".debug"))
    return [f"--debuginfo={root}"]


def expected_value(expected, path):
    """expected.json value at a dotted path ("modules.0.build_id")."""
    value = expected
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return str(value)


def check_tree(work, out_dir, manifest):
    for rel in tree(work):
        if rel.startswith("debuginfo") or rel.startswith("vmlinux-sysroot"):
            continue  # the case's debug-file trees (symlinks included)
        full = os.path.join(work, rel)
        if os.path.islink(full):
            fail(f"a symlink was created: {rel}")
        if not (rel.startswith("core" + os.sep) or rel.startswith("out")):
            fail(f"file written outside OUT: {rel}")
    listed = {n["file"] for n in manifest["nodes"] if n.get("file")}
    listed.add("manifest.json")
    # Decoder formats (opencsd/, perf.data) are listed apart from the nodes.
    listed |= {f["path"] for f in (manifest.get("decoder_outputs") or {}).get("files", [])}
    present = set(tree(out_dir))
    if present != listed:
        fail(f"files in OUT {sorted(present)} != files in the manifest {sorted(listed)}")


def corrupt_section(vmlinux, section, work):
    """A copy of an ELF64 little-endian vmlinux with `section` filled with 0xff."""
    import struct
    data = bytearray(open(vmlinux, "rb").read())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    names_offset = header(shstrndx)[4]
    for i in range(shnum):
        name_index, _, _, _, offset, size = header(i)[:6]
        name = data[names_offset + name_index:data.index(0, names_offset + name_index)].decode()
        if name == section:
            data[offset:offset + size] = b"\xff" * size
            path = os.path.join(work, "vmlinux.corrupt")
            with open(path, "wb") as f:
                f.write(data)
            return path
    fail(f"{vmlinux} has no section {section}")


def normalise(text, work, kernels, expected):
    """Replaces what differs between machines and builds with placeholders."""
    text = text.replace(work, "<WORK>")
    if kernels:
        text = text.replace(os.path.abspath(kernels), "<KERNELS>").replace(kernels, "<KERNELS>")
    if expected.get("build_id"):
        text = text.replace(expected["build_id"], "<BUILD-ID>")
    return text


def check_golden(args, golden, info_args, work, expected, runner):
    proc = runner([args.extract, "info"] + info_args, expect=0)
    got = normalise(proc.stdout, work, args.kernels, expected)
    if args.update_golden:
        with open(golden, "w") as f:
            f.write(got)
        return
    with open(golden) as f:
        want = f.read()
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            golden, "info output"))
        fail(f"info output differs from {golden}:\n{diff}")


def check_opencsd_loads(work, out, texts):
    """trc_pkt_lister must create a decoder from every generated device ini:
    a missing or misnamed register is a config error and no decoder."""
    cwd = os.path.join(work, "trc_pkt_lister")  # it writes trc_pkt_lister.ppl into the cwd
    os.makedirs(cwd, exist_ok=True)
    proc = subprocess.run(["trc_pkt_lister", "-ss_dir", os.path.join(out, "opencsd"), "-decode",
                           "-logstdout"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=cwd)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        fail(f"trc_pkt_lister exit {proc.returncode}:\n{log}")
    for bad in ("Failed", "ERROR", "Error", "Warning"):
        if bad in log:
            fail(f"trc_pkt_lister reported {bad!r} loading the snapshot:\n{log}")
    for text in texts:
        if text not in log:
            fail(f"trc_pkt_lister output does not mention {text!r}:\n{log}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mkcore", required=True)
    ap.add_argument("--extract", required=True)
    ap.add_argument("--kernels", help="directory of built fake kernels")
    ap.add_argument("--spec", help="the dump spec to build with csdump-mkcore")
    ap.add_argument("--prebuilt", help="a directory with vmcore, vmlinux and expected.json "
                    "(the bundled demo) instead of --spec")
    ap.add_argument("--work", required=True)
    ap.add_argument("--exit", type=int, default=0, dest="exit_code")
    ap.add_argument("--stderr", action="append", default=[], help="text stderr must contain")
    ap.add_argument("--arg", action="append", default=[], help="extra csdump-extract argument")
    ap.add_argument("--vmlinux-variant", help="extract with another kernel than the spec's")
    ap.add_argument("--vmlinux-file", help="extract with this file as the vmlinux (relative to --kernels)")
    ap.add_argument("--patch-vmcore", action="append", default=[],
                    help="OFFSET=HEX: overwrite bytes of the built vmcore (corrupt headers)")
    ap.add_argument("--corrupt-vmlinux-section",
                    help="extract with a copy of the vmlinux whose named section is overwritten "
                         "with 0xff bytes (corrupt debug info)")
    ap.add_argument("--info-golden", help="compare `info VMCORE VMLINUX` with this file")
    ap.add_argument("--info-golden-no-vmlinux", help="compare `info VMCORE` with this file")
    ap.add_argument("--raw-vmcoreinfo", action="store_true",
                    help="with raw RAM images, pass --vmcoreinfo core/vmcoreinfo.txt")
    ap.add_argument("--update-golden", action="store_true", help="rewrite the golden files")
    ap.add_argument("--opencsd-loads", action="append", default=[], metavar="TEXT",
                    help="run trc_pkt_lister on OUT/opencsd: it must load the snapshot without "
                         "error and print TEXT (e.g. 'PTM on Trace ID 0x12')")
    ap.add_argument("--perf-loads", action="append", default=[], metavar="TEXT",
                    help="`perf report -D` on OUT/perf.data must succeed and print TEXT")
    ap.add_argument("--perf-header", action="append", default=[], metavar="TEXT",
                    help="`perf report --header-only` on OUT/perf.data must print TEXT "
                         "(e.g. 'arch : armv7l')")
    ap.add_argument("--text-source", choices=["dump", "vmlinux", "none"],
                    help="the manifest's decoder_outputs.memory_images[0].source must be this "
                         "(none: no kernel text image at all)")
    ap.add_argument("--info-arg", action="append", default=[], metavar="ARG",
                    help="also run `info VMCORE VMLINUX ARG...` (with --info-exit, --info-stderr)")
    ap.add_argument("--info-exit", type=int, default=0, help="the exit code of that info run")
    ap.add_argument("--info-stderr", action="append", default=[], metavar="TEXT",
                    help="text the stderr of that info run must contain")
    ap.add_argument("--vmlinux-in-sysroot", choices=["debian", "fedora", "build-id"],
                    help="omit VMLINUX from the command: put it in WORK/vmlinux-sysroot as that "
                    "layout has it and pass --sysroot, so the tool must find it")
    ap.add_argument("--no-node-check", action="store_true",
                    help="skip comparing nodes with expected.json (the arguments change them)")
    ap.add_argument("--debuginfo", choices=["file", "debian", "fedora"],
                    help="pass the spec's module objects to csdump-extract as --debuginfo: the "
                         "files, or a Debian (lib/modules/RELEASE) or Fedora (.build-id) tree")
    ap.add_argument("--stderr-expected", action="append", default=[], metavar="PATH",
                    help="stderr must contain the expected.json value at PATH "
                         "(dotted, e.g. modules.0.build_id)")
    args = ap.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    runner = Runner(work)
    core = os.path.join(work, "core")
    spec = {}
    if args.prebuilt:
        shutil.copytree(args.prebuilt, core)
        vmlinux = os.path.join(core, "vmlinux")
    else:
        with open(args.spec) as f:
            spec = json.load(f)
        variant = spec.get("kernel")
        if not variant:
            fail(f"{args.spec} names no 'kernel' variant")
        core_vmlinux = os.path.join(args.kernels, variant, "vmlinux")
        vmlinux = os.path.join(args.kernels, args.vmlinux_variant or variant, "vmlinux")
        if args.vmlinux_file:
            vmlinux = os.path.join(args.kernels, args.vmlinux_file)
        modules = []
        for obj in spec.get("module_objects", []):
            modules += ["--module", os.path.join(args.kernels, obj)]
        run([args.mkcore, args.spec, "-o", core, "--vmlinux", core_vmlinux] + modules, expect=0)
    with open(os.path.join(core, "expected.json")) as f:
        expected = json.load(f)
    if args.corrupt_vmlinux_section:
        vmlinux = corrupt_section(vmlinux, args.corrupt_vmlinux_section, work)
    vmcore = os.path.join(core, "vmcore")
    for patch in args.patch_vmcore:
        offset, hexbytes = patch.split("=")
        with open(vmcore, "r+b") as f:
            f.seek(int(offset, 0))
            f.write(bytes.fromhex(hexbytes))
    split_args = []
    if not os.path.exists(vmcore) and os.path.exists(vmcore + ".1"):
        # A split kdump-compressed dump: vmcore.1 is VMCORE, the rest --split-part.
        vmcore = vmcore + ".1"
        n = 2
        while os.path.exists(os.path.join(core, f"vmcore.{n}")):
            split_args += ["--split-part", os.path.join(core, f"vmcore.{n}")]
            n += 1
        args.arg = split_args + args.arg
    raw_images = sorted(n for n in os.listdir(core) if n.startswith("ram-") and n.endswith(".bin"))
    if raw_images and not os.path.exists(vmcore):
        # "format": "raw": one --ram FILE@ADDR per image in place of VMCORE
        # (as --ram=..., so it still fills the VMCORE slot of every command).
        ram = [f"--ram={os.path.join(core, n)}@{n[4:-4]}" for n in raw_images]
        vmcore = ram[0]
        split_args = ram[1:]
        if args.raw_vmcoreinfo:
            split_args += ["--vmcoreinfo", os.path.join(core, "vmcoreinfo.txt")]
        args.arg = split_args + args.arg

    for golden, info_args in ((args.info_golden, [vmcore, vmlinux] + split_args),
                              (args.info_golden_no_vmlinux, [vmcore] + split_args)):
        if golden:
            check_golden(args, golden, info_args, work, expected, runner)
    if args.info_arg:
        proc = runner([args.extract, "info", vmcore, vmlinux] + split_args + args.info_arg,
                      expect=args.info_exit)
        for text in args.info_stderr:
            if text not in proc.stderr:
                fail(f"info stderr does not mention {text!r}:\n{proc.stderr}")

    if args.debuginfo:
        args.arg = make_debuginfo(args.debuginfo, spec, expected, args.kernels, work) + args.arg
    if spec.get("modules"):
        # The standard debuginfo places of an empty root: what the host has
        # installed under /usr/lib/debug must not change a case's result.
        sysroot = os.path.join(work, "debuginfo-sysroot")
        os.makedirs(sysroot, exist_ok=True)
        args.arg = [f"--sysroot={sysroot}"] + args.arg

    out = os.path.join(work, "out")
    cmd = [args.extract, vmcore, vmlinux, "-o", out] + args.arg
    if args.vmlinux_in_sysroot:
        root = os.path.join(work, "vmlinux-sysroot")
        debug = os.path.join(root, "usr", "lib", "debug")
        release, build_id = expected["osrelease"], expected["build_id"].lower()
        where = {"debian": os.path.join(debug, "boot", f"vmlinux-{release}"),
                 "fedora": os.path.join(debug, "lib", "modules", release, "vmlinux"),
                 "build-id": os.path.join(debug, ".build-id", build_id[:2],
                                          build_id[2:] + ".debug")}[args.vmlinux_in_sysroot]
        os.makedirs(os.path.dirname(where), exist_ok=True)
        shutil.copyfile(vmlinux, where)
        cmd = [args.extract, vmcore, "-o", out, f"--sysroot={root}"] + args.arg
    out_existed = os.path.lexists(out)
    first = runner(cmd, expect=args.exit_code, out=out)
    for text in args.stderr + [expected_value(expected, p) for p in args.stderr_expected]:
        if text not in first.stderr:
            fail(f"stderr does not mention {text!r}:\n{first.stderr}")
    if args.exit_code not in (0, 1):
        # Refused inputs write nothing at all.
        if os.path.exists(out) and tree(out):
            fail(f"a refused extraction wrote files: {tree(out)}")
        if not out_existed and os.path.lexists(out):
            fail("a refused extraction left behind the OUT it created")
        print(f"ok: refused with exit {args.exit_code}, {runner.runs} runs checked for writes "
              "outside OUT")
        return

    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    if not args.no_node_check:
        check_manifest(manifest, expected, out, first.returncode,
                       expected_release(spec, expected))
    check_tree(work, out, manifest)

    if args.text_source == "none":
        images = manifest["decoder_outputs"]["memory_images"]
        if images:
            fail(f"expected no kernel text image, the manifest has {images}")
    elif args.text_source:
        images = manifest["decoder_outputs"]["memory_images"]
        if not images or images[0]["source"] != args.text_source:
            fail(f"kernel text source {images[0]['source'] if images else None!r}, "
                 f"expected {args.text_source!r}")
        if args.text_source == "vmlinux" and not any(
                "kernel text" in w and "vmlinux bytes" in w for w in manifest["warnings"]):
            fail(f"no kernel-text fallback warning in the manifest: {manifest['warnings']}")
    if args.opencsd_loads:
        check_opencsd_loads(work, out, args.opencsd_loads)
    if args.perf_loads:
        proc = run(["perf", "report", "-D", "-i", os.path.join(out, "perf.data")], expect=0)
        for text in args.perf_loads:
            if text not in proc.stdout:
                fail(f"perf report -D does not print {text!r}:\n{proc.stdout[:4000]}")
    if args.perf_header:
        proc = run(["perf", "report", "--header-only", "-i", os.path.join(out, "perf.data")],
                   expect=0)
        for text in args.perf_header:
            if text not in proc.stdout:
                fail(f"perf report --header-only does not print {text!r}:\n{proc.stdout[:4000]}")

    out2 = os.path.join(work, "out2")
    runner([out2 if part == out else part for part in cmd], expect=args.exit_code, out=out2)
    for rel in tree(out):
        with open(os.path.join(out, rel), "rb") as a, open(os.path.join(out2, rel), "rb") as b:
            if a.read() != b.read():
                fail(f"second run wrote different bytes for {rel}")

    before = {rel: sha256(os.path.join(out, rel)) for rel in tree(out)}
    again = runner(cmd, expect=6, out=out)
    if "--force" not in again.stderr and "exists" not in again.stderr:
        fail(f"refusal to overwrite does not say why:\n{again.stderr}")
    if {rel: sha256(os.path.join(out, rel)) for rel in tree(out)} != before:
        fail("files changed although --force was not given")
    runner(cmd + ["--force"], expect=args.exit_code, out=out)
    print(f"ok: {len(manifest['nodes'])} nodes, exit {first.returncode}, "
          f"{runner.runs} runs checked for writes outside OUT")


if __name__ == "__main__":
    main()
