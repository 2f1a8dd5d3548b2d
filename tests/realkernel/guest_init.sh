#!/bin/busybox sh
# /init of the csdump real-kernel test guest (make_dumps.py puts it in the initramfs).
# SPDX-License-Identifier: MIT
# Kernel parameters arrive as variables: csd_mode (kdump|qemu), csd_formats,
# csd_stext_off (_stext - _text in the vmlinux), csd_9p (9p mount options).
# The architecture's settings (arches.guest_env) are in /csd-arch.env.
/bin/busybox mkdir -p /proc /sys /dev /tmp /share /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
. /csd-arch.env
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
export LD_LIBRARY_PATH=$csd_ldpath
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

fail() {
    echo "csd: FAIL: $*"
    sync
    poweroff -f
}

for m in $(cat /modules/order); do
    insmod /modules/$m.ko || fail "insmod $m"
done
# csd_9p: further 9p mount options of this kernel (fetch.KERNELS guest_9p).
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144${csd_9p:+,$csd_9p} share /share \
    || fail "mount 9p share"

if [ -e /proc/vmcore ]; then
    echo "csd: capture kernel, /proc/vmcore is $(stat -c %s /proc/vmcore) bytes"
    : > /share/capture.status
    mdf=""
    if [ -n "$csd_mdf_stext" ]; then
        # Debian's armhf makedumpfile derives page_offset as SYMBOL(_stext) &
        # 0xffff0000, wrong once _stext is more than 64 KiB above PAGE_OFFSET
        # ("Can't get the kernel version"). Give it the kernel's own VMCOREINFO
        # (the note's text, from the head of /proc/vmcore: KEY=VALUE lines
        # after the note name) with SYMBOL(_stext) moved into PAGE_OFFSET's
        # 64 KiB (csd_mdf_stext, from the kernel config); nothing else changes.
        head -c 262144 /proc/vmcore | strings -n 4 \
            | sed -n '/^VMCOREINFO$/,$p' | sed -n '2,$p' \
            | sed -n '/^[A-Z][A-Za-z0-9_-]*\(([^)]*)\)\{0,1\}=/!q;p' \
            | sed "s/^SYMBOL(_stext)=.*/SYMBOL(_stext)=$csd_mdf_stext/" > /tmp/vmcoreinfo
        grep -q '^OSRELEASE=' /tmp/vmcoreinfo && grep -q "^SYMBOL(_stext)=$csd_mdf_stext\$" \
            /tmp/vmcoreinfo || fail "no VMCOREINFO note text in /proc/vmcore"
        echo "csd: makedumpfile -i /tmp/vmcoreinfo ($(wc -l < /tmp/vmcoreinfo) lines," \
             "SYMBOL(_stext)=$csd_mdf_stext)"
        mdf="-i /tmp/vmcoreinfo"
    fi
    for f in $(echo "$csd_formats" | tr , ' '); do
        t0=$(date +%s)
        case $f in
        elf)  dd if=/proc/vmcore of=/share/vmcore.elf bs=1M 2>/tmp/dd.log; rc=$? ;;
        zlib) makedumpfile -c -d 31 $mdf /proc/vmcore /share/vmcore.zlib.kdump; rc=$? ;;
        lzo)  makedumpfile -l -d 31 $mdf /proc/vmcore /share/vmcore.lzo.kdump; rc=$? ;;
        zstd) makedumpfile -z -d 31 $mdf /proc/vmcore /share/vmcore.zstd.kdump; rc=$? ;;
        *)    rc=99 ;;
        esac
        echo "$f $rc $(( $(date +%s) - t0 ))" >> /share/capture.status
        echo "csd: capture $f exit $rc"
    done
    sync
    umount /share
    echo "csd: capture done"
    poweroff -f
fi

insmod /csdump_panic_test.ko || fail "insmod csdump_panic_test"
stext=$(grep -m1 ' _stext$' /proc/kallsyms | cut -d' ' -f1)
[ -n "$stext" ] || fail "no _stext in /proc/kallsyms"
echo "csd: _stext $stext"

if [ "$csd_mode" = kdump ]; then
    # kexec-tools needs _text in /proc/kallsyms, which this kernel does not list:
    # add it, computed from _stext (only the low 32 bits change, checked).
    hi=${stext%????????}
    lo=${stext#$hi}
    lo=$(( 0x$lo - csd_stext_off ))
    [ $lo -ge 0 ] || fail "_text computation borrows beyond 32 bits"
    text=$(printf '%s%08x' "$hi" "$lo")
    echo "csd: _text $text"
    cp /proc/kallsyms /tmp/kallsyms
    echo "$text T _text" >> /tmp/kallsyms
    mount --bind /tmp/kallsyms /proc/kallsyms || fail "bind-mount kallsyms"
    kexec -p -i $csd_kexec_args /share/Image --initrd=/share/initrd.cpio.gz \
        --append="console=$csd_console reset_devices nr_cpus=1 irqpoll nousb panic=1 rdinit=/init csd_formats=$csd_formats csd_9p=$csd_9p" \
        || fail "kexec -p"
    umount /proc/kallsyms
    echo "csd: capture kernel loaded"
fi

sync
echo "csd: triggering panic"
echo c > /proc/sysrq-trigger
sleep 30
fail "still alive after the panic"
