#!/usr/bin/env python3
"""Run one hvlab guest on QEMU and on hvlab, and compare what they did.

    oracle.py --hvlab PATH [--paging native,shadow,nested] \
              --stub STUB.bin --include DIR GUEST.asm
    oracle.py --qemu-only  --stub STUB.bin --include DIR GUEST.asm

QEMU (TCG) is the reference machine: the guest is assembled with nasm,
loaded at 0x1000 by QEMU's generic loader and entered by stub.bin in the
same state hvlab gives it (docs/guest-abi.md).  Both runs are compared on

  * how the machine ended: exit port (with the value written, modulo 0x80,
    because QEMU's process status is ((v << 1) | 1) & 0xFF) or triple fault;
  * the console: every byte the guest wrote to COM1, exactly.

With --paging, hvlab runs once per listed mode: what a guest can observe
must not depend on how the hypervisor virtualizes its MMU, so every mode
is held to the same QEMU run.

Independently of both, GUEST.expect (next to GUEST.asm, if present) holds
what the guest must print and how it must end, worked out by hand from the
Intel SDM and FIDELITY.md; both machines are checked against it.  Format:

    # comments (why each value is what it is)
    exit: 0                  (or: exit: triple_fault)
    --- console
    the exact console text, to the end of the file

Exit status: 0 all agree, 1 a mismatch (both sides are printed), 99 the
comparison could not be made (nasm failed, QEMU or hvlab missing or hung,
hvlab's JSON unreadable): meson's "hard error".  Never 77: nothing here is
skipped quietly.
"""

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile

# -cpu for QEMU.  hvlab's CPUID reports PSE, PGE and TSC, and no PAE,
# PSE-36 or NX (DESIGN.md §3).  pentium2 has PSE, PGE and TSC and no NX or
# long mode; its PAE and PSE-36 are switched off to match hvlab.  (qemu32
# also reports PAE and PSE-36, pentium lacks PGE.)  Its local APIC goes
# too: hvlab models none, and with one QEMU 7.2 keeps the 8259A's INTR
# from the CPU until a BIOS programs LINT0 (measured: pit_ticks.asm hangs).
QEMU_CPU = "pentium2,-pae,-pse36,-apic"
QEMU_RAM_MB = 16            # hvlab's default machine: 16 MiB (DESIGN.md §5)
GUEST_LOAD = 0x1000
QEMU_TIMEOUT = 20           # seconds; the guests take well under one
HVLAB_TIMEOUT = 30          # meson gives each test 60 s in all

HARD_ERROR = 99


class OracleError(Exception):
    """The comparison could not be made at all."""


class Outcome:
    """How one machine ended.  reason: 'exit_port' or 'triple_fault' (the
    two endings a guest may aim for), or whatever else happened."""

    def __init__(self, reason, value, console, detail=""):
        self.reason = reason
        self.value = value          # exit-port value & 0x7F, else None
        self.console = console      # bytes
        self.detail = detail        # diagnostics for a human

    def ending(self):
        if self.reason == "exit_port":
            return "exit port, value 0x%02x" % self.value
        return self.reason

    def show(self, title, out):
        out.write("---- %s: %s\n" % (title, self.ending()))
        text = self.console.decode("latin-1")
        out.write(text)
        if text and not text.endswith("\n"):
            out.write("\n[no newline at end of console]\n")
        if self.detail:
            out.write("[%s]\n" % self.detail.rstrip())


def run(cmd, timeout, **kw):
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, **kw)
    except FileNotFoundError:
        raise OracleError("cannot run %s: not found" % cmd[0])


def assemble(nasm, guest, include, out):
    inc = include.rstrip("/") + "/"     # nasm's -I is a prefix, not a dir
    p = run([nasm, "-f", "bin", "-I", inc, "-o", out, guest], 60)
    if p.returncode != 0:
        raise OracleError("nasm failed on %s:\n%s" %
                          (guest, p.stderr.decode(errors="replace")))


def run_qemu(qemu, stub, guest_bin, workdir, cpu):
    """Boot guest_bin on QEMU.  QEMU ends in one of three ways here:
    the guest writes the isa-debug-exit port (status odd: ((v<<1)|1)&0xFF);
    the guest triple-faults, which with -no-reboot is a clean shutdown
    (status 0) and, with -d cpu_reset, a "Triple fault" line in the log;
    or the guest hangs (HLT, a loop) and the timeout kills QEMU."""
    log = os.path.join(workdir, "qemu.log")
    cmd = [qemu, "-accel", "tcg", "-M", "pc", "-m", str(QEMU_RAM_MB),
           "-cpu", cpu, "-bios", stub,
           "-device", "loader,file=%s,addr=0x%x,force-raw=on"
           % (guest_bin, GUEST_LOAD),
           "-display", "none", "-monitor", "none", "-nic", "none",
           "-no-reboot", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-d", "cpu_reset", "-D", log]
    try:
        p = run(cmd, QEMU_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return Outcome("timeout", None, e.stdout or b"",
                       "QEMU still running after %d s (HLT or a loop?)"
                       % QEMU_TIMEOUT)
    stderr = p.stderr.decode(errors="replace")
    # QEMU's own errors (bad option, missing file) also exit with 1, which
    # would read as "exit port, value 0": tell them apart by stderr.
    errors = [l for l in stderr.splitlines()
              if l.strip() and "warning:" not in l]
    if errors:
        raise OracleError("QEMU failed (status %d):\n%s\ncommand: %s" %
                          (p.returncode, stderr, " ".join(cmd)))
    try:
        with open(log, errors="replace") as f:
            triple = "Triple fault" in f.read()
    except OSError:
        triple = False
    if p.returncode & 1:
        return Outcome("exit_port", (p.returncode >> 1) & 0x7F, p.stdout)
    if p.returncode == 0 and triple:
        return Outcome("triple_fault", None, p.stdout)
    return Outcome("qemu_status_%d" % p.returncode, None, p.stdout,
                   "QEMU ended without the exit port or a triple fault")


def run_hvlab(hvlab, guest, mode):
    """Run `hvlab run GUEST.asm [--paging MODE] --json` and read vms[0]
    of its report.  hvlab assembles the guest itself; its include path
    holds the guest's own directory (docs/guest-abi.md), which is where
    hvlab.inc lives."""
    cmd = [hvlab, "run", guest]
    if mode:
        cmd += ["--paging", mode]
    cmd.append("--json")
    try:
        p = run(cmd, HVLAB_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OracleError("%s: still running after %d s"
                          % (" ".join(cmd), HVLAB_TIMEOUT))
    out = p.stdout.decode(errors="replace")
    try:
        report = json.loads(out)
        vm = report["vms"][0]
        reason = vm["exit_reason"]
        status = vm.get("exit_status")
        console = vm["console"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise OracleError("hvlab (status %d) printed no usable JSON (%s):\n"
                          "%s\n%s" % (p.returncode, e, out,
                                      p.stderr.decode(errors="replace")))
    # JSON text carries the console as code points; hvlab writes one per
    # byte the guest sent (bytes >= 0x80 as \u0080..\u00ff).
    try:
        console = console.encode("latin-1")
    except UnicodeEncodeError:
        console = console.encode("utf-8")
    value = None
    if reason == "exit_port":
        if not isinstance(status, int):
            raise OracleError("hvlab: exit_port without an integer "
                              "exit_status: %r" % (status,))
        value = status & 0x7F
    detail = "hvlab status %d" % p.returncode
    return Outcome(reason, value, console, detail)


def read_expect(path):
    """Parse GUEST.expect: (reason, value, console bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    head, sep, console = data.partition(b"--- console\n")
    if not sep:
        raise OracleError("%s: no '--- console' line" % path)
    reason, value = None, None
    for n, line in enumerate(head.decode().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, val = line.partition(":")
        val = val.strip()
        if key.strip() != "exit" or not val:
            raise OracleError("%s:%d: expected 'exit: N' or "
                              "'exit: triple_fault'" % (path, n))
        if val == "triple_fault":
            reason = "triple_fault"
        else:
            reason, value = "exit_port", int(val, 0) & 0x7F
    if reason is None:
        raise OracleError("%s: no 'exit:' line" % path)
    return Outcome(reason, value, console, "from %s" % os.path.basename(path))


def same(a, b):
    return (a.reason == b.reason and a.value == b.value
            and a.console == b.console)


def report_mismatch(name_a, a, name_b, b, out):
    out.write("MISMATCH %s vs %s\n" % (name_a, name_b))
    if a.reason != b.reason or a.value != b.value:
        out.write("  ending: %s: %s; %s: %s\n" %
                  (name_a, a.ending(), name_b, b.ending()))
    if a.console != b.console:
        diff = difflib.unified_diff(
            a.console.decode("latin-1").splitlines(True),
            b.console.decode("latin-1").splitlines(True),
            name_a, name_b)
        out.write("  console differs:\n")
        for line in diff:
            out.write("    " + line if line.endswith("\n")
                      else "    " + line + "\n[no newline]\n")
    a.show(name_a, out)
    b.show(name_b, out)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("guest", help="guest source, GUEST.asm")
    ap.add_argument("--hvlab", help="the hvlab executable")
    ap.add_argument("--paging", default="",
                    help="comma-separated hvlab paging modes to run "
                         "(default: hvlab's own default, one run)")
    ap.add_argument("--qemu-only", action="store_true",
                    help="run QEMU only: print its console and ending, "
                         "check GUEST.expect")
    ap.add_argument("--stub", required=True, help="stub.bin (64 KiB BIOS)")
    ap.add_argument("--include", required=True,
                    help="directory of hvlab.inc")
    ap.add_argument("--expect", help="expectations file "
                    "(default: GUEST.expect beside the guest, if any)")
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--nasm", default="nasm")
    ap.add_argument("--cpu", default=QEMU_CPU, help="QEMU -cpu model")
    args = ap.parse_args(argv)
    if not args.qemu_only and not args.hvlab:
        ap.error("--hvlab PATH is required unless --qemu-only")

    name = os.path.basename(args.guest)
    expect_path = args.expect or os.path.splitext(args.guest)[0] + ".expect"
    out = sys.stdout
    try:
        with tempfile.TemporaryDirectory(prefix="hvlab-oracle-") as tmp:
            guest_bin = os.path.join(tmp, "guest.bin")
            assemble(args.nasm, args.guest, args.include, guest_bin)
            qemu = run_qemu(args.qemu, args.stub, guest_bin, tmp, args.cpu)
        if qemu.reason not in ("exit_port", "triple_fault"):
            qemu.show("QEMU", out)
            raise OracleError("%s did not end on QEMU through the exit port "
                              "or a triple fault" % name)
        expect = None
        if args.expect or os.path.exists(expect_path):
            expect = read_expect(expect_path)
        hvs = []                # (label, Outcome) per hvlab run
        if not args.qemu_only:
            for mode in args.paging.split(",") if args.paging else [""]:
                label = "hvlab" + (" --paging " + mode if mode else "")
                hvs.append((label, run_hvlab(args.hvlab, args.guest, mode)))
    except OracleError as e:
        out.write("oracle: %s: %s\n" % (name, e))
        return HARD_ERROR

    ok = True
    if args.qemu_only:
        qemu.show("QEMU", out)
    qemu_as_expected = expect is None or same(expect, qemu)
    if not qemu_as_expected:
        report_mismatch("expected", expect, "QEMU", qemu, out)
        ok = False
    for label, hv in hvs:
        if not same(qemu, hv):
            report_mismatch("QEMU", qemu, label, hv, out)
            ok = False
        # When QEMU met the expectations, this comparison adds nothing.
        if not qemu_as_expected and not same(expect, hv):
            report_mismatch("expected", expect, label, hv, out)
            ok = False
    out.write("oracle: %s: %s (%s%s%s)\n" %
              (name, "ok" if ok else "FAILED", qemu.ending(),
               "" if expect is not None else "; no .expect file",
               "; QEMU only" if args.qemu_only else
               "; hvlab runs: %d" % len(hvs)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
