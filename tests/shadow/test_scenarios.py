#!/usr/bin/env python3
"""Every guest of scenarios/guest/ under native and shadow paging.

    test_scenarios.py --hvlab PATH --guests DIR

Shadow paging adds exits, never changes what the guest sees: for each
guest, `hvlab run GUEST --paging native --json` and `... --paging shadow
--json` must give the same console output, exit reason, exit value and
hvlab exit status (issue 5; the oracle suite compares both modes with QEMU,
this is the one direct native/shadow check). The native run must have no
VM exit and the shadow run some (every guest ends with an OUT to the exit
port, which exits under a hypervisor): the mode really changed.
Prints `ok  NAME` or `FAIL NAME: why` per guest; exit status 0 when all
passed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys


def run(hvlab, guest, paging):
    p = subprocess.run([hvlab, "run", guest, "--paging", paging, "--json"],
                       capture_output=True, timeout=20)
    out = p.stdout.decode("utf-8", "replace")
    try:
        report = json.loads(out)
    except ValueError:
        raise RuntimeError("%s: no JSON report (status %d, stderr %r)"
                           % (paging, p.returncode,
                              p.stderr.decode("utf-8", "replace")[:300]))
    return p.returncode, report


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
            rc_n, native = run(args.hvlab, guest, "native")
            rc_s, shadow = run(args.hvlab, guest, "shadow")
            why = []
            for key in ("console", "exit_reason", "exit_status"):
                if native.get(key) != shadow.get(key):
                    why.append("%s: native %r, shadow %r"
                               % (key, native.get(key), shadow.get(key)))
            if rc_n != rc_s:
                why.append("hvlab status: native %d, shadow %d" % (rc_n, rc_s))
            if native["counters"]["vm_exits"]["total"] != 0:
                why.append("native run has VM exits")
            if shadow["counters"]["vm_exits"]["total"] == 0:
                why.append("shadow run has no VM exit")
            if shadow.get("paging") != "shadow":
                why.append("report says paging %r" % shadow.get("paging"))
        except (RuntimeError, subprocess.TimeoutExpired, KeyError) as e:
            why = [str(e)]
        if why:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(why)))
        else:
            print("ok   %s (%s, exit %s; shadow: %d exits)"
                  % (name, native["exit_reason"], native.get("exit_status"),
                     shadow["counters"]["vm_exits"]["total"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
