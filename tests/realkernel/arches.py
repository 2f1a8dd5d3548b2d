# SPDX-License-Identifier: MIT
"""What differs between the guest architectures of the real-kernel matrix.

fetch.KERNELS names each kernel's "arch" (a key of ARCHES); fetch.py and
make_dumps.py take everything architecture-specific from here, so that the
per-kernel table stays about packages and the scripts about the flow.
"""

from pathlib import Path

# Per architecture (Debian's name):
#   qemu, machine, cpu     the QEMU binary and its -M / -cpu
#   console                the guest's serial console (both kernels)
#   kbuild_arch, cross     ARCH= and CROSS_COMPILE= of the module build
#   cross_gcc              the cross compiler's package (a build root installs it)
#   libdirs                the guest loader's library dirs, relative to its root
#   packaging              the image packages (fetch.IMAGE_PACKAGES): arm64's
#                          unsigned kernel is linux-image-*-unsigned; armhf
#                          kernels are not signed, linux-image-ABI-FLAVOUR is
#                          the image itself ("plain")
#   kexec_args             further `kexec -p` options
#   transport              kernel modules the 9p share's virtio transport needs
#   virtfs_device          None: QEMU's -virtfs (virtio-pci); else the virtio
#                          device given to -device with an -fsdev
#   fw_cfg                 the kernel has the qemu_fw_cfg driver, so QEMU's
#                          vmcoreinfo device (and its monitor dumps) carry VMCOREINFO
#   dump_arch              what csdump-extract's manifest must say (dump.arch)
#   list_offset            offsetof(struct coresight_dump_node, list) on this ABI,
#                          a labelled fallback only: the module prints the real
#                          one and check_dump.py compares with that
#   mdf_vmcoreinfo         makedumpfile gets -i with a VMCOREINFO whose
#                          SYMBOL(_stext) is moved into PAGE_OFFSET's 64 KiB
#                          (see GUEST_INIT in make_dumps.py)
ARCHES = {
    "arm64": {
        "qemu": "qemu-system-aarch64", "machine": "virt", "cpu": "cortex-a57",
        "console": "ttyAMA0", "kbuild_arch": "arm64", "cross": "aarch64-linux-gnu-",
        "cross_gcc": "gcc-aarch64-linux-gnu",
        "libdirs": ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"],
        "packaging": "unsigned", "kexec_args": "",
        "transport": ["virtio_pci"], "virtfs_device": None, "fw_cfg": True,
        "dump_arch": "arm64", "list_offset": 32, "mdf_vmcoreinfo": False,
    },
    "armhf": {
        # highmem=off: the classic (non-LPAE) kernel cannot reach QEMU's high
        # PCIe window; -m 1024M then puts ~250 MiB in highmem, which the
        # linear map does not cover (vmalloc'd buffers may live there).
        "qemu": "qemu-system-arm", "machine": "virt,highmem=off", "cpu": "cortex-a15",
        "console": "ttyAMA0", "kbuild_arch": "arm", "cross": "arm-linux-gnueabihf-",
        "cross_gcc": "gcc-arm-linux-gnueabihf",
        "libdirs": ["lib/arm-linux-gnueabihf", "usr/lib/arm-linux-gnueabihf", "lib", "usr/lib"],
        "packaging": "plain",
        # kexec-tools (2.0.25) under-reserves room for the zImage's
        # decompressor, which then overwrites the initrd.
        "kexec_args": "--image-size=0x2800000",
        # Without PCI in reach (highmem=off) 9p goes over virtio-mmio.
        "transport": ["virtio_mmio"], "virtfs_device": "virtio-9p-device", "fw_cfg": False,
        "dump_arch": "arm", "list_offset": 20, "mdf_vmcoreinfo": True,
    },
}


def arch_of(kernel_id, kernels):
    return ARCHES[kernels[kernel_id]["arch"]]


def page_offset(image_dir, release):
    """CONFIG_PAGE_OFFSET of the kernel (its boot/config-RELEASE), or None."""
    config = Path(image_dir) / "boot" / f"config-{release}"
    for line in config.read_text().splitlines():
        if line.startswith("CONFIG_PAGE_OFFSET="):
            return int(line.split("=", 1)[1], 0)
    return None


def guest_env(arch, kernel, stext):
    """Shell assignments the guest's /init sources (/csd-arch.env): the
    architecture's part of the guest, the same for both kernels of a run.
    stext: the vmlinux's _stext (link time; no KASLR where it matters)."""
    a = ARCHES[arch]
    env = {
        "csd_ldpath": ":".join("/" + d for d in a["libdirs"][:2]),
        "csd_console": a["console"],
        "csd_kexec_args": a["kexec_args"],
        "csd_mdf_stext": "",
    }
    if a["mdf_vmcoreinfo"]:
        po = page_offset(Path(kernel["image"]).parent.parent, kernel["release"])
        if po is None:
            raise SystemExit(f"make_dumps: no CONFIG_PAGE_OFFSET in {kernel['release']}'s config")
        env["csd_mdf_stext"] = f"{po | (stext & 0xffff):08x}"
    return "".join(f"{k}='{v}'\n" for k, v in env.items()).encode()


def share_args(arch, work):
    """QEMU options for the guest's 9p share (mount tag "share") of work/."""
    if arch["virtfs_device"] is None:
        return ["-virtfs", f"local,path={work},mount_tag=share,security_model=none,id=share"]
    return ["-fsdev", f"local,path={work},security_model=none,id=share",
            "-device", f"{arch['virtfs_device']},fsdev=share,mount_tag=share"]
