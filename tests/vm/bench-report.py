#!/usr/bin/env python3
"""make bench's table: medians per configuration, ratios to bare, and the headline numbers.

Input: lines "CONFIG CONFIG_READ CONFIG_WRITE TMPFS_PREAD PIPE_ROUNDTRIP" (ns), one per round.
"""
import statistics
import sys

OPS = ["config read", "config write", "tmpfs pread 1B", "pipe 1B round trip"]
CONFIGS = ["bare", "empty-lsm", "floor", "default", "audit-all"]

rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 5:
        rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
med = {c: [statistics.median(r[i] for r in rows[c]) for i in range(4)] for c in CONFIGS if c in rows}
bare = med["bare"]


def ratio(c, i):
    return med[c][i] / bare[i]


# Headline: the host's other I/O with vfio-warden attached, against one empty LSM program.
print("HEADLINE: the host's other I/O, vfio-warden (default policy) vs one empty BPF LSM program on file_permission")
for i in (2, 3):
    print("  %-20s bare %6.0f ns   empty LSM %5.2fx   vfio-warden %5.2fx   vfio-warden / empty LSM = %.3f"
          "   (target <= 1.10)" % (OPS[i], bare[i], ratio("empty-lsm", i), ratio("default", i),
                                 med["default"][i] / med["empty-lsm"][i]))
print()
print("%-12s" % "ns (x bare)" + "".join("%22s" % o for o in OPS))
for c in CONFIGS:
    if c in med:
        print("%-12s" % c + "".join("%13.0f (%5.2fx)" % (med[c][i], ratio(c, i)) for i in range(4)))
print()
print("vfio-warden over the floor (empty programs on the same hooks): overhead above bare, as a multiple of the floor's")
for c in ("default", "audit-all"):
    parts = []
    for i in range(4):
        floor = med["floor"][i] - bare[i]
        own = med[c][i] - bare[i]
        parts.append("%s %s" % (OPS[i], "%.2fx" % (own / floor) if floor > 0 else "n/a (floor not above bare)"))
    print("  %-10s " % c + "; ".join(parts))
print()
print("targets: config read/write with the default policy <= 2.0x bare (now %.2fx / %.2fx); audit-all <= 3.0x "
      "(now %.2fx / %.2fx)" % (ratio("default", 0), ratio("default", 1), ratio("audit-all", 0), ratio("audit-all", 1)))
print("rounds per configuration: " + ", ".join("%s %d" % (c, len(rows.get(c, []))) for c in CONFIGS))
