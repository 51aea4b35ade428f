#!/usr/bin/env bash
# Mount a fresh journaled ext4 filesystem for benchmark work files (needs root).
#
#     eval "$(sudo bash bench/scratch_fs.sh)"      # prints: export TMPDIR=/mnt/bench/tmp
#     python bench/site_bench.py --n 10000
#
# Why: a build writes tens of thousands of files. ext4 *without a journal* (some VM
# images, such as the machine these figures were taken on) checks every free inode it
# considers against the deletion time of the inode in the buffer cache and skips those
# deleted in the last 60-360 s (recently_deleted() in fs/ext4/ialloc.c; seen with
# `perf record -a`). After a big `rm -rf` (the previous bench run), creating 50,000 files
# then costs 19-35 s of system CPU instead of ~1.2 s, and which build pays depends on
# what was deleted before it. Users' disks (ext4 with its default journal, xfs, btrfs,
# APFS, NTFS) do not behave so; on a journaled filesystem both builds of a comparison
# pay the same, small, price. The image is sparse: it takes only what is written.
set -euo pipefail
image=${SCRATCH_IMAGE:-/var/tmp/bench-fs.img}
mountpoint=${SCRATCH_MOUNT:-/mnt/bench}
size=${SCRATCH_SIZE:-30G}
if ! mountpoint -q "$mountpoint"; then
    mkdir -p "$mountpoint" "$(dirname "$image")"
    [ -e "$image" ] || { truncate -s "$size" "$image" && mkfs.ext4 -q -F "$image"; }
    mount -o loop "$image" "$mountpoint"
fi
grep -q "has_journal" <(dumpe2fs -h "$(findmnt -n -o SOURCE "$mountpoint")" 2>/dev/null) \
    || { echo "scratch_fs: $mountpoint has no journal" >&2; exit 1; }
mkdir -p "$mountpoint/tmp"
chmod 1777 "$mountpoint/tmp"
echo "export TMPDIR=$mountpoint/tmp"
