#!/bin/bash
# SPDX-License-Identifier: MIT
# Integration test of the xen source on a real hypervisor: boots Debian's Xen 4.17 with a
# Debian kernel as dom0 under QEMU (TCG, no KVM needed), with an initramfs that starts
# xenstored, runs xen-qemu-probe (the xen source through the registry) and, when the Xen
# tools are there, a tiny PV guest. The probe prints its samples on the serial console; this
# script checks them. Output is TAP; it skips when QEMU or the Xen packages are absent.
#
#   run.sh PROBE        PROBE: the built xen-qemu-probe
#   XEN_QEMU_KEEP=1     keep the work directory (console log, initramfs) for debugging
set -uo pipefail

probe=${1:?usage: run.sh PROBE}
n=0
failed=0

skip() {
        echo "1..0 # SKIP $*"
        exit 0
}
ok() { # ok CONDITION-STATUS DESCRIPTION
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then
                echo "ok $n - $2"
        else
                echo "not ok $n - $2"
                failed=1
        fi
}
check() { # check DESCRIPTION COMMAND...
        local d=$1
        shift
        "$@" >/dev/null 2>&1
        ok $? "$d"
}

# ---- what the test needs from the host ----
qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
xengz=$(ls /boot/xen-4.17*.gz 2>/dev/null | head -n1)
[ -n "$xengz" ] || skip "no /boot/xen-4.17*.gz (xen-hypervisor-4.17-amd64)"
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
[ -n "$kernel" ] || skip "no /boot/vmlinuz-* (linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver/kernel/drivers
[ -f "$moddir/xen/xen-privcmd.ko" ] || [ -f "$moddir/xen/xen-privcmd.ko.xz" ] ||
        skip "no Xen modules for kernel $kver"
busybox=$(command -v busybox) || skip "busybox not installed (busybox-static)"
{ ldd "$busybox" 2>&1 || true; } | grep -q "not a dynamic" || skip "busybox is not static (busybox-static)"
command -v cpio >/dev/null || skip "cpio not installed"
xenbin=/usr/lib/xen-4.17/bin
[ -x "$xenbin/xenstored" ] || skip "no $xenbin/xenstored (xen-utils-4.17)"
[ -x "$probe" ] || skip "probe $probe not built"

work=$(mktemp -d /tmp/xen-qemu.XXXXXX)
if [ -z "${XEN_QEMU_KEEP:-}" ]; then
        trap 'rm -rf "$work"' EXIT
else
        echo "# work directory: $work"
fi
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run/xenstored,var/run/xenstored,var/lib/xenstored} \
        "$root"/{var/lib/xen,var/log/xen,var/lock,var/run/xen,etc/xen,lib/modules,guest} "$root"/usr/lib/xen-4.17/bin

# Copies binaries with the shared libraries they load (ldd), keeping their paths.
add_bin() {
        local f lib
        for f in "$@"; do
                mkdir -p "$root$(dirname "$f")"
                cp -L "$f" "$root$f"
                for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
                        [ -e "$root$lib" ] && continue
                        mkdir -p "$root$(dirname "$lib")"
                        cp -L "$lib" "$root$lib"
                done
        done
}
add_module() {
        local m=$1 f
        for f in "$moddir/$m.ko" "$moddir/$m.ko.xz"; do
                if [ -f "$f" ]; then
                        case $f in
                        *.xz) xz -dc "$f" >"$root/lib/modules/$(basename "$m").ko" ;;
                        *) cp "$f" "$root/lib/modules/" ;;
                        esac
                        return 0
                fi
        done
        return 1
}

cp "$busybox" "$root/bin/busybox"
for m in xen/xen-privcmd xen/xen-evtchn xen/xen-gntdev xen/xen-gntalloc xen/xenfs/xenfs \
        net/xen-netback/xen-netback block/xen-blkback/xen-blkback; do
        add_module "$m" || true
done
add_bin "$probe" "$xenbin/xenstored"
cp "$probe" "$root/bin/xen-qemu-probe"
[ -x "$xenbin/xen-init-dom0" ] && add_bin "$xenbin/xen-init-dom0"
for t in xenstore-write xenstore-read; do
        command -v $t >/dev/null && add_bin "$(command -v $t)"
done

# A PV guest needs xl (libxenlight), xenconsoled and a kernel. It gets a VIF and a VBD whose
# hotplug scripts are stand-ins (no bridge, a loop device); its initramfs loads the front-ends,
# brings its link up and, every second, reads a few fresh disk blocks and sends a 1400-byte
# IPv6 link-local multicast ping (nothing leaves the emulated machine). dom0's side has IPv6
# off, so it sends the guest nothing: the guest's tx is large and its rx near zero, which
# shows the rx/tx swap.
have_guest=0
if [ -x "$xenbin/xl" ] && [ -x "$xenbin/xenconsoled" ]; then
        add_bin "$xenbin/xl" "$xenbin/xenconsoled"
        add_module block/loop || true
        g=$work/guest
        mkdir -p "$g"/{bin,proc,sys,dev,lib/modules}
        cp "$busybox" "$g/bin/busybox"
        for m in net/xen-netfront block/xen-blkfront; do
                cp "$moddir/$m.ko" "$g/lib/modules/" 2>/dev/null || true
        done
        cat >"$g/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/modules/*.ko; do insmod "$m"; done
sleep 1
ip link set eth0 up
i=0
while :; do
        dd if=/dev/xvda of=/dev/null bs=4096 count=16 skip=$i 2>/dev/null
        i=$(((i + 16) % 2048))
        ping6 -q -c 1 -s 1400 -W 1 -w 1 -I eth0 ff02::1 >/dev/null 2>&1 &
        sleep 1
done
EOF
        chmod +x "$g/init"
        (cd "$g" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$root/guest/initrd.gz"
        cp "$kernel" "$root/guest/vmlinuz"
        mkdir -p "$root/etc/xen/scripts"
        cat >"$root/etc/xen/scripts/probe-vif" <<'EOF'
#!/bin/sh
case "$1" in
add | online)
        echo 1 >"/proc/sys/net/ipv6/conf/$vif/disable_ipv6"
        ip link set "$vif" up
        ;;
esac
xenstore-write "$XENBUS_PATH/hotplug-status" connected
EOF
        cat >"$root/etc/xen/scripts/probe-block" <<'EOF'
#!/bin/sh
case "$1" in add) xenstore-write "$XENBUS_PATH/physical-device" 7:0 ;; esac
xenstore-write "$XENBUS_PATH/hotplug-status" connected
EOF
        chmod +x "$root/etc/xen/scripts/probe-vif" "$root/etc/xen/scripts/probe-block"
        : >"$root/etc/xen/xl.conf"
        cat >"$root/etc/xen/guest.cfg" <<'EOF'
name = "probe-guest"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.gz"
extra = "console=hvc0 quiet"
memory = 96
vcpus = 1
uuid = "6a6e2d5c-0e41-4b7e-9d4d-5b0c2f6b1a01"
on_crash = "destroy"
vif = [ "script=/etc/xen/scripts/probe-vif" ]
disk = [ "format=raw,vdev=xvda,access=rw,script=/etc/xen/scripts/probe-block,target=/dev/loop0" ]
EOF
        have_guest=1
fi

dom0_uuid=d0d0d0d0-1111-2222-3333-444444444444
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:$xenbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /run/xenstored /run/xen
for m in xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs xen-netback xen-blkback; do
        [ -f /lib/modules/\$m.ko ] && insmod /lib/modules/\$m.ko
done
mount -t xenfs xenfs /proc/xen
echo "XENPROBE boot \$(cat /proc/xen/capabilities)"
xenstored --pid-file /run/xenstored.pid
sleep 1
[ -x $xenbin/xen-init-dom0 ] && $xenbin/xen-init-dom0 >/dev/null 2>&1
# What a toolstack writes for dom0; the source reads it as memory_target.
xenstore-write /local/domain/0/memory/target 524288 2>/dev/null
echo "XENPROBE phase plain"
xen-qemu-probe --ticks 3 --interval-ms 1000
echo "XENPROBE phase dom0-uuid"
xen-qemu-probe --ticks 2 --interval-ms 1000 --dom0-uuid $dom0_uuid
if [ $have_guest = 1 ]; then
        echo "XENPROBE phase guest"
        # xl waits for the guest's console, which xenconsoled provides on a pty.
        mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
        xenconsoled --pid-file=/run/xenconsoled.pid
        [ -f /lib/modules/loop.ko ] && insmod /lib/modules/loop.ko
        dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null
        losetup /dev/loop0 /tmp/disk.img
        xl create /etc/xen/guest.cfg >/tmp/xl.log 2>&1
        sleep 2
        if domid=\$(xl domid probe-guest 2>/dev/null); then
                echo "XENPROBE guest-created \$domid"
                # The guest boots slowly under TCG: wait for its front-ends to connect.
                n=0
                while [ \$n -lt 120 ]; do
                        v=\$(xenstore-read /local/domain/\$domid/device/vif/0/state 2>/dev/null)
                        b=\$(xenstore-read /local/domain/\$domid/device/vbd/51712/state 2>/dev/null)
                        [ "\$v" = 4 ] && [ "\$b" = 4 ] && break
                        sleep 1
                        n=\$((n + 1))
                done
                echo "XENPROBE guest-connected \$n s vif=\$v vbd=\$b"
                sleep 3
                grep vif /proc/net/dev | sed 's/^/XENPROBE netdev /'
                xen-qemu-probe --ticks 3 --interval-ms 2000
                xl destroy probe-guest >/dev/null 2>&1
        else
                echo "XENPROBE guest-failed"
                cat /tmp/xl.log /var/log/xen/*.log 2>/dev/null | sed 's/^/XENPROBE xl: /' | tail -n 30
        fi
fi
echo "XENPROBE end"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"
zcat "$xengz" >"$work/xen"

# Xen takes QEMU's multiboot modules: dom0's kernel with its command line, then the
# initramfs. ",," is a literal comma inside QEMU's -initrd list.
start=$(date +%s)
timeout 240 "$qemu" -machine q35 -cpu qemu64,+svm -smp 2 -m 1024 -nographic -no-reboot \
        -nic none -kernel "$work/xen" -append "console=com1 dom0_mem=512M,,max:512M loglvl=warning" \
        -initrd "$kernel console=hvc0 quiet,$work/initrd.gz" >"$work/console.log" 2>&1 </dev/null
rc=$?
echo "# QEMU ran $(($(date +%s) - start)) s, exit $rc"
log=$work/console.log
grep -q "XENPROBE end" "$log"
booted=$?
ok $booted "Xen booted dom0 and the probe ran to the end"
[ $booted -eq 0 ] || sed 's/^/# /' "$log" | tail -n 40
tr -d '\r' <"$log" | grep '^XENPROBE' >"$work/probe.txt"

# phase NAME: the probe lines of one phase.
phase() { awk -v p="$1" '$2 == "phase" { on = ($3 == p); next } on' "$work/probe.txt"; }
phase plain >"$work/plain.txt"
phase dom0-uuid >"$work/dom0.txt"
phase guest >"$work/guest.txt"

# value FILE TICK OWNER NAME: a sample's value in a tick.
value() {
        awk -v t="$2" -v o="$3" -v n="$4" '
                $2 == "tick" { tick++ }
                $2 == "sample" && tick == t - 1 && $3 == o && $4 == n { print $7 }' "$1"
}
# in_range V LO HI: V is a number in [LO, HI].
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v != "U" && v + 0 >= lo && v + 0 <= hi) }'; }

check "the source opened on real Xen" grep -q "^XENPROBE open 0$" "$work/plain.txt"
check "three ticks sampled without error" test "$(grep -c '^XENPROBE tick [0-9]* 0$' "$work/plain.txt")" -eq 3
# QEMU was given 2 CPUs: Xen has 2 pCPUs, so host cpu0 and cpu1 and no cpu2.
ncpu=$(awk '$2 == "sample" && $3 == "host" && $4 ~ /^cpu[0-9]+$/ { print $4 }' "$work/plain.txt" | sort -u | wc -l)
check "host has one cpuN per pCPU (2, got $ncpu)" test "$ncpu" -eq 2
check "host cpu0 is unknown at the first tick" test "$(value "$work/plain.txt" 1 host cpu0)" = U
for t in 2 3; do
        for name in cpu0 cpu1 cpu_avg; do
                v=$(value "$work/plain.txt" $t host $name)
                check "tick $t host $name = $v in [0, 1]" in_range "$v" 0 1
        done
done
total=$(value "$work/plain.txt" 2 host memory_total_kib)
free=$(value "$work/plain.txt" 2 host memory_free_kib)
# 1 GiB of guest RAM, minus firmware holes and what Xen keeps: between 900 MiB and 1 GiB.
check "memory_total_kib $total is plausible for -m 1024" in_range "$total" 921600 1048576
# dom0 took 512 MiB, so at most half is free.
check "memory_free_kib $free is below total and half of it" in_range "$free" 1 "$((${total:-0} / 2))"
rv=$(value "$work/plain.txt" 2 host running_vcpus)
check "running_vcpus $rv: the probe itself runs on a dom0 vCPU" in_range "$rv" 1 2
hl=$(value "$work/plain.txt" 2 host hostload)
check "hostload $hl = running_vcpus / 2 pCPUs" awk -v h="$hl" -v r="$rv" 'BEGIN { exit !(h + 0 == r / 2) }'
check "running_domains is 1 (dom0)" test "$(value "$work/plain.txt" 2 host running_domains)" = 1
# dom0's handle is all zeros on a host without xapi: skipped per the rules, like xcp-rrdd.
check "dom0 with a zero handle is not announced" bash -c "! grep -q '^XENPROBE announce' '$work/plain.txt'"
check "no VM samples while dom0's handle is zero" bash -c "! awk '\$2 == \"sample\" && \$3 != \"host\"' '$work/plain.txt' | grep -q ."

check "xc_domain_sethandle gave dom0 a uuid" grep -q "^XENPROBE sethandle 0$" "$work/dom0.txt"
check "dom0 announced with its uuid and generation 0" grep -q "^XENPROBE announce $dom0_uuid 0$" "$work/dom0.txt"
mem=$(value "$work/dom0.txt" 2 $dom0_uuid memory)
check "dom0 memory $mem B is its 512 MiB (within 2%)" in_range "$mem" 526133248 547608576
check "dom0 memory_target is xenstore's 524288 KiB in bytes" test "$(value "$work/dom0.txt" 2 $dom0_uuid memory_target)" = 536870912
mif=$(value "$work/dom0.txt" 2 $dom0_uuid memory_internal_free)
check "dom0 memory_internal_free $mif KiB (MemAvailable) is within its 512 MiB" in_range "$mif" 1 524288
cu=$(value "$work/dom0.txt" 2 $dom0_uuid cpu_usage)
check "dom0 cpu_usage $cu in [0, 1]" in_range "$cu" 0 1
c0=$(value "$work/dom0.txt" 2 $dom0_uuid cpu0)
check "dom0 vCPU cpu0 $c0 in [0, 1]" in_range "$c0" 0 1

if [ $have_guest = 1 ]; then
        if grep -q "^XENPROBE guest-created" "$work/guest.txt"; then
                gid=$(awk '$2 == "guest-created" { print $3 }' "$work/guest.txt")
                guuid=6a6e2d5c-0e41-4b7e-9d4d-5b0c2f6b1a01
                check "PV guest announced with its uuid and domid $gid as generation" grep -q "^XENPROBE announce $guuid $gid$" "$work/guest.txt"
                gm=$(value "$work/guest.txt" 2 $guuid memory)
                check "guest memory $gm B is about its 96 MiB" in_range "$gm" 94371840 104857600
                gc=$(value "$work/guest.txt" 2 $guuid cpu_usage)
                check "guest cpu_usage $gc in [0, 1]" in_range "$gc" 0 1
                check "running_domains is 2 with the guest" test "$(value "$work/guest.txt" 2 host running_domains)" = 2
                # The guest pings every second and dom0 never answers: what dom0 received is
                # the guest's transmit.
                tx=$(value "$work/guest.txt" 3 $guuid vif_0_tx)
                check "guest vif_0_tx $tx >= 4000 B: its pings (dom0's rx, swapped)" in_range "$tx" 4000 1e15
                rx=$(value "$work/guest.txt" 3 $guuid vif_0_rx)
                check "guest vif_0_rx $rx is far below its tx" in_range "$rx" 0 "$((${tx:-0} / 4))"
                rd=$(value "$work/guest.txt" 3 $guuid vbd_xvda_read)
                check "guest vbd_xvda_read $rd B: it read at least 64 KiB" in_range "$rd" 65536 1e15
                io=$(value "$work/guest.txt" 3 $guuid vbd_xvda_iops_read)
                check "guest vbd_xvda_iops_read $io >= 1 over a 2 s tick" in_range "$io" 1 1e9
                check "guest vbd_xvda_iops_read unknown at the first tick" test "$(value "$work/guest.txt" 1 $guuid vbd_xvda_iops_read)" = U
        else
                echo "# the PV guest did not start:"
                sed 's/^/# /' "$work/guest.txt"
                ok 0 "PV guest # SKIP xl create failed here"
        fi
fi

echo "1..$n"
exit $failed
