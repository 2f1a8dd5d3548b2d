# SPDX-License-Identifier: MIT
"""The real-kernel matrix: which Debian kernels the suite boots, where their
packages come from, what each cannot have and why (reported SKIPPED by name).
fetch.py fetches a kernel of it, make_dumps.py makes its dumps."""

# The kernel matrix. Per kernel id: the suite of its packages (None = the
# host's apt, which is bookworm), the ABI pattern, the package names ({abi},
# {flavour}), the build root (None = build on the host with its cross gcc),
# the dump formats this kernel cannot have, with why (reported as skipped),
# which drgn cross-checks its dumps ("host": Debian 12's python3-drgn;
# a suite: that suite's python3-drgn, run in its build root; drgn_unsupported:
# why no drgn can, and the .drgn tests report SKIPPED), features
# that add scenarios (make_dumps.py's "needs"), and further 9p mount options
# for the guest's share. unsupported_scenarios: scenarios the kernel cannot
# run, with why (all their formats are reported skipped; no QEMU run).
MAKEDUMPFILE_52 = ("the guest's makedumpfile (bookworm's 1.7.2; trixie's 1.7.6 and sid's 1.7.8 "
                   "alike) refuses this kernel: \"calculate_plat_config: PAGE SIZE 0x1000 and VA "
                   "Bits 52 not supported\" (CONFIG_ARM64_VA_BITS=52; makedumpfile issue 18, "
                   "fixed after 1.7.9); this kernel's compressed dump is QEMU's "
                   "(qemu-monitor flat: zlib, flattened)")
MAKEDUMPFILE_NO_ZSTD = ("the guest's makedumpfile (bookworm's 1.7.2) has no zstd (-z); "
                        "zstd-compressed kdumps are covered by the synthetic dumps")
# Seen on every kdump run of 6.12.117+deb13-armmp-lpae under qemu-system-arm
# (virt,highmem=off; -smp 2 and 1, with and without crash_kexec_post_notifiers,
# -cpu cortex-a15 and max; .idmap.text laid out as in 6.1, which works): the
# panicking kernel never reaches the capture kernel. Not yet understood
# (kernel or QEMU); remove the entry to try again.
KDUMP_612_ARMHF = ("the panicking kernel oopses in machine_kexec before the capture kernel "
                   "runs: __soft_restart's jump to cpu_v7_reset through the identity map "
                   "(PA 0x40400044) takes a level-2 translation fault (\"Unable to handle "
                   "kernel paging request at virtual address 40400044 when execute\", IFSR "
                   "0x206), so no /proc/vmcore is ever written; QEMU's dumps are made")
# Both drgns were tried on bookworm-6.1-armmp(-lpae)'s dumps.
DRGN_ARMHF = ("no drgn reads these armhf dumps right: Debian 12's 0.0.22 has no ARM "
              "page-table walker (the module's list head at 0xbf... is \"could not find "
              "memory segment\"); trixie's 0.0.31 walks the list but reads the vmalloc'd "
              "tmc_etr0 buffer (highmem) as zeros through the kdump ELF's bogus highmem "
              "p_vaddrs, and cannot open the makedumpfile dumps (libkdumpfile: \"Cannot read "
              "32-bit PTE ... Out-of-bounds PFN\")")
KERNELS = {
    "bookworm-6.1-arm64": {
        "suite": None, "arch": "arm64", "flavour": "arm64", "series": "6.1",
        "abi_re": r"6\.1\.0-\d+", "kbuild": "linux-kbuild-6.1",
        "build_root": None, "unsupported_formats": {"zstd": MAKEDUMPFILE_NO_ZSTD},
        "drgn": "host",
        # cache=loose slows 6.1's /proc/vmcore copy from ~5 s to ~40 s.
        "guest_9p": "",
    },
    "trixie-6.12-arm64": {
        "suite": "trixie", "arch": "arm64", "flavour": "arm64", "series": "6.12",
        "abi_re": r"6\.12\.\d+\+deb13", "kbuild": "linux-kbuild-{abi}",
        "build_root": "trixie",
        "unsupported_formats": {"zlib": MAKEDUMPFILE_52, "lzo": MAKEDUMPFILE_52,
                                "zstd": MAKEDUMPFILE_52},
        # CONFIG_ARM64_VA_BITS=52 with LPA2: the kdump-lpa2 scenario runs it
        # on an LPA2 CPU.
        "features": ["lpa2"],
        # Debian 12's drgn 0.0.22 reads neither this kernel's modules (struct
        # module's mem[], Linux 6.4) nor its vmalloc memory (it walks the page
        # tables as VA_BITS=52 while TCR_EL1_T1SZ says 48): the cross-checks
        # run the suite's own drgn (trixie's 0.0.31) in the build root.
        "drgn": "trixie",
        # Without cache=loose 6.12's 9p (on netfs) took ~23 s to kexec-load
        # the Image and 30-48 s to copy /proc/vmcore; with it 3 s and 9 s.
        "guest_9p": "cache=loose",
    },
    # The newest kernel of trixie-backports (Linux 7.x): the same 52-bit
    # configuration and gcc 14 as 6.12, struct module_sect_attrs without
    # nsections (6.14+), and the split packaging (no -unsigned image).
    "trixie-backports-7-arm64": {
        "suite": "trixie", "arch": "arm64", "flavour": "arm64", "series": "7",
        "abi_re": r"7\.\d+\.\d+\+deb13", "kbuild": "linux-kbuild-{abi}",
        "packaging": "split", "build_root": "trixie",
        "unsupported_formats": {"zlib": MAKEDUMPFILE_52, "lzo": MAKEDUMPFILE_52,
                                "zstd": MAKEDUMPFILE_52},
        # CONFIG_ARM64_VA_BITS=52 with LPA2: the kdump-lpa2 scenario runs it
        # on an LPA2 CPU.
        "features": ["lpa2"],
        "drgn": "trixie",  # as 6.12
        "guest_9p": "cache=loose",
    },
    # 32-bit ARM (arches.ARCHES["armhf"]): Debian's armhf kernels are unsigned
    # and named without -unsigned. makedumpfile runs with -i (see GUEST_INIT).
    # No drgn reads these dumps right (DRGN_ARMHF): the .drgn tests report
    # SKIPPED with why.
    "bookworm-6.1-armmp-lpae": {
        "suite": None, "arch": "armhf", "flavour": "armmp-lpae", "series": "6.1",
        "abi_re": r"6\.1\.0-\d+", "kbuild": "linux-kbuild-6.1",
        "build_root": None, "unsupported_formats": {"zstd": MAKEDUMPFILE_NO_ZSTD},
        "drgn_unsupported": DRGN_ARMHF, "guest_9p": "",
    },
    "bookworm-6.1-armmp": {
        "suite": None, "arch": "armhf", "flavour": "armmp", "series": "6.1",
        "abi_re": r"6\.1\.0-\d+", "kbuild": "linux-kbuild-6.1",
        "build_root": None, "unsupported_formats": {"zstd": MAKEDUMPFILE_NO_ZSTD},
        "drgn_unsupported": DRGN_ARMHF, "guest_9p": "",
    },
    # The guest runs trixie's userland (userland_suite): kexec-tools 2.0.29 and
    # makedumpfile 1.7.6, which knows 6.12 and links libzstd (-z).
    "trixie-6.12-armmp-lpae": {
        "suite": "trixie", "arch": "armhf", "flavour": "armmp-lpae", "series": "6.12",
        "abi_re": r"6\.12\.\d+\+deb13", "kbuild": "linux-kbuild-{abi}",
        "build_root": "trixie", "userland_suite": "trixie", "unsupported_formats": {},
        "unsupported_scenarios": {s: KDUMP_612_ARMHF for s in
                                  ("kdump-2cpu", "kdump-nonotifier", "kdump-4cpu")},
        "drgn_unsupported": DRGN_ARMHF, "guest_9p": "cache=loose",
    },
}
DEFAULT_KERNEL = "bookworm-6.1-arm64"
