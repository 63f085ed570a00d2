#!/usr/bin/env python3
"""Every guest of scenarios/guest/ under native, shadow and nested paging.

    test_scenarios_nested.py --hvlab PATH --guests DIR

Virtualizing the MMU adds exits, never changes what the guest sees: for
each guest, `hvlab run GUEST --json` with `--paging native`, `--paging
shadow`, `--paging nested` (4-level EPT, lazy), `--paging nested
--nested-prefill` and `--paging nested --npt` (2-level AMD NPT) must give
the same console output, exit reason, exit value and hvlab exit status
(issue 6; the oracle suite compares native, shadow and EPT with QEMU, this
adds NPT). Also: the native run has no VM exit; no nested run has an exit
for MOV CR3, INVLPG or a #PF (FIDELITY behaviours 4, 5, 7); the NPT run
names no EPT exit (its nested faults are `npf`), the EPT runs no `npf`;
the prefilled run has no nested fault at all; a guest that pages makes
fewer walk references on NPT than on EPT (the report does not name the
nested geometry, so this shows `--npt` took effect).
Prints `ok  NAME` or `FAIL NAME: why` per guest; exit status 0 when all
passed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

MODES = [
    ("native", ["--paging", "native"]),
    ("shadow", ["--paging", "shadow"]),
    ("ept", ["--paging", "nested"]),
    ("ept-prefill", ["--paging", "nested", "--nested-prefill"]),
    ("npt", ["--paging", "nested", "--npt"]),
]
NEVER_NESTED = ("cr_access/cr3", "invlpg", "exception/pf")


def run(hvlab, guest, args):
    p = subprocess.run([hvlab, "run", guest, "--json"] + args,
                       capture_output=True, timeout=20)
    out = p.stdout.decode("utf-8", "replace")
    try:
        report = json.loads(out)
    except ValueError:
        raise RuntimeError("%s: no JSON report (status %d, stderr %r)"
                           % (" ".join(args), p.returncode,
                              p.stderr.decode("utf-8", "replace")[:300]))
    return p.returncode, report


def check_guest(hvlab, guest):
    res = {name: run(hvlab, guest, args) for name, args in MODES}
    rc_n, native = res["native"]
    why = []
    for name, (rc, rep) in res.items():
        if name == "native":
            continue
        for key in ("console", "exit_reason", "exit_status"):
            if native.get(key) != rep.get(key):
                why.append("%s: native %r, %s %r"
                           % (key, native.get(key), name, rep.get(key)))
        if rc != rc_n:
            why.append("hvlab status: native %d, %s %d" % (rc_n, name, rc))
        want = "shadow" if name == "shadow" else "nested"
        if rep.get("paging") != want:
            why.append("%s: report says paging %r" % (name, rep.get("paging")))
        if rep["counters"]["vm_exits"]["total"] == 0:
            why.append("%s run has no VM exit" % name)
    if native["counters"]["vm_exits"]["total"] != 0:
        why.append("native run has VM exits")
    for name in ("ept", "ept-prefill", "npt"):
        by = res[name][1]["counters"]["vm_exits"]["by_reason"]
        for r in NEVER_NESTED:
            if by.get(r, 0):
                why.append("%s: %d %s exit(s)" % (name, by[r], r))
        ept = [r for r in by if "ept" in r.lower()]
        if name == "npt" and ept:
            why.append("npt run reports %s" % ", ".join(ept))
        if name != "npt" and by.get("npf", 0):
            why.append("%s run reports npf" % name)
        # A prefilled EPT maps all of RAM: only a device's MMIO page can
        # still exit (docs/devices.md), once per MMIO access.
        mmio = res[name][1]["counters"].get("mmio_exits", 0)
        if name == "ept-prefill" and (by.get("ept_violation", 0) +
                                      by.get("ept_misconfig", 0)) != mmio:
            why.append("prefilled EPT run has EPT exits besides MMIO ones")
    # --npt really changed the geometry: a guest that pages walks 2-level
    # nested tables on NPT, 4-level on EPT, so fewer references.
    # Both runs are lazy, so they fault on the same first touches.
    ept_refs = res["ept"][1]["counters"]["walk_refs"]
    npt_refs = res["npt"][1]["counters"]["walk_refs"]
    if res["ept"][1]["counters"]["tlb_misses"] and not npt_refs < ept_refs:
        why.append("npt walk_refs %d not below EPT's %d"
                   % (npt_refs, ept_refs))
    return why, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hvlab", required=True)
    ap.add_argument("--guests", required=True)
    args = ap.parse_args()
    guests = sorted(glob.glob(os.path.join(args.guests, "*.asm")))
    if not guests:
        print("FAIL no guests in %s" % args.guests)
        return 1
    failed = 0
    for guest in guests:
        name = os.path.basename(guest)[:-4]
        try:
            why, res = check_guest(args.hvlab, guest)
        except (RuntimeError, subprocess.TimeoutExpired, KeyError) as e:
            why, res = [str(e)], None
        if why:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(why)))
        else:
            native = res["native"][1]
            byr = {n: res[n][1]["counters"]["vm_exits"]["by_reason"]
                   for n in ("ept", "npt")}
            print("ok   %s (%s, exit %s; EPT violations %d, NPT npf %d)"
                  % (name, native["exit_reason"], native.get("exit_status"),
                     byr["ept"].get("ept_violation", 0),
                     byr["npt"].get("npf", 0)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
