#!/usr/bin/env python3
"""Contract tests of the hvlab command line (DESIGN.md §5).

    test_cli.py --hvlab PATH --guests DIR GROUP...

Each GROUP (json, limit, bad-input, trace, counters, usage) is one meson
test in suite 'cli'; `all` runs every group. The script uses the standard
library only, runs the real binary on the guests in DIR (tests/cli/guests)
and prints one line per case: `ok  group/case` or `FAIL group/case: why`,
with the command, its status, stdout and stderr for a failure. Exit status
0 when every case passed, 1 otherwise.

What is asserted is the contract, not today's wording: bad input is exit 2
with exactly one non-empty line on stderr that names the problem (and the
file, for file errors) and nothing on stdout; --json prints exactly one JSON
object with the keys and types of §5; counters are folds over the event
stream (STYLE.md practice 6), so they must agree with the --trace file.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

GROUPS = {}


def case(group):
    def deco(fn):
        GROUPS.setdefault(group, []).append(fn)
        return fn
    return deco


class Failure(Exception):
    pass


class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def describe(self):
        def clip(s):
            return s if len(s) <= 1500 else s[:1500] + "...[%d bytes]" % len(s)
        return ("    command: %s\n    status:  %s\n    stdout:  %r\n"
                "    stderr:  %r" % (" ".join(self.argv), self.rc,
                                     clip(self.out), clip(self.err)))


def check(cond, msg, res=None):
    if not cond:
        raise Failure(msg + ("\n" + res.describe() if res else ""))


class Ctx:
    def __init__(self, hvlab, guests, tmp):
        self.hvlab, self.guests, self.tmp = hvlab, guests, tmp

    def guest(self, name):
        return os.path.join(self.guests, name)

    def run(self, *args, timeout=60, cwd=None):
        argv = [self.hvlab] + [str(a) for a in args]
        try:
            p = subprocess.run(argv, capture_output=True, timeout=timeout,
                               cwd=cwd or self.tmp)
        except subprocess.TimeoutExpired:
            raise Failure("timed out after %ss: %s" % (timeout, " ".join(argv)))
        res = Result(argv, p.returncode,
                     p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"))
        # No crash, whatever the input: a signal shows as a negative status.
        check(res.rc >= 0, "hvlab died of signal %d" % -res.rc, res)
        return res

    def run_json(self, *args, rc=0, **kw):
        res = self.run("run", *args, "--json", **kw)
        check(res.rc == rc, "expected exit %d" % rc, res)
        return one_json_object(res), res


def one_json_object(res):
    """stdout must be exactly one JSON object (one line, newline-ended)."""
    out = res.out
    check(out.endswith("\n") and out.count("\n") == 1,
          "--json must print exactly one line", res)
    try:
        obj, end = json.JSONDecoder().raw_decode(out)
    except ValueError as e:
        raise Failure("stdout is not JSON: %s\n%s" % (e, res.describe()))
    check(out[end:].strip() == "", "text after the JSON object", res)
    check(isinstance(obj, dict), "the JSON value is not an object", res)
    return obj


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def expect_bad_input(res, *mentions):
    """Exit 2, nothing on stdout, exactly one non-empty line on stderr that
    mentions every string in `mentions` (case-insensitive; a compiled
    regex is searched instead)."""
    check(res.rc == 2, "bad input must exit 2", res)
    check(res.out == "", "bad input must print nothing on stdout", res)
    lines = res.err.splitlines()
    check(len(lines) == 1 and lines[0].strip(),
          "bad input must print exactly one line on stderr (got %d)"
          % len(lines), res)
    line = lines[0]
    for m in mentions:
        if isinstance(m, re.Pattern):
            check(m.search(line), "stderr does not match %r" % m.pattern, res)
        else:
            check(m.lower() in line.lower(),
                  "stderr does not mention %r" % m, res)
    check(not re.search(r"assert|abort|segmentation|core dumped", res.err,
                        re.I), "stderr looks like a crash", res)


# --- json: the shape of `hvlab run --json` -------------------------------

MODES = ["native", "shadow", "nested"]
COUNTER_KEYS = ["tlb_hits", "tlb_misses", "walk_refs", "sw_walk_refs",
                "hidden_faults", "guest_faults", "pt_write_traps",
                "io_exits"]
EXIT_REASONS = {"exit_port", "halt", "triple_fault", "instruction_limit"}


def check_shape(obj, res, paging="native"):
    for k in ["scenario", "paging", "instructions", "cycles", "vms",
              "counters"]:
        check(k in obj, "key %r missing" % k, res)
    check(obj["scenario"] is None, "scenario must be null for a bare guest",
          res)
    check("steps" not in obj, "a bare guest has no 'steps'", res)
    check(obj["paging"] == paging, "paging must be %r" % paging, res)
    check(is_count(obj["instructions"]), "instructions not a count", res)
    check(is_count(obj["cycles"]), "cycles not a count", res)
    vms = obj["vms"]
    check(isinstance(vms, list) and len(vms) == 1, "vms must hold one VM",
          res)
    vm = vms[0]
    check(isinstance(vm, dict), "vms[0] not an object", res)
    for k in ["name", "exit_reason", "exit_status", "console"]:
        check(k in vm, "vms[0].%s missing" % k, res)
    check(vm["name"] == "vm0", "vms[0].name must be 'vm0'", res)
    check(vm["exit_reason"] in EXIT_REASONS,
          "vms[0].exit_reason %r not one of %s" % (vm["exit_reason"],
                                                   sorted(EXIT_REASONS)), res)
    check(vm["exit_status"] is None or is_count(vm["exit_status"]),
          "vms[0].exit_status must be a number or null", res)
    check(isinstance(vm["console"], str), "vms[0].console not a string",
          res)
    c = obj["counters"]
    check(isinstance(c, dict), "counters not an object", res)
    for k in COUNTER_KEYS:
        check(k in c and is_count(c[k]), "counters.%s missing or not a count"
              % k, res)
    ve = c.get("vm_exits")
    check(isinstance(ve, dict) and is_count(ve.get("total"))
          and isinstance(ve.get("by_reason"), dict),
          "counters.vm_exits must be {total, by_reason}", res)
    for k, v in ve["by_reason"].items():
        check(re.fullmatch(r"[a-z_]+(/[a-z0-9_]+)?", k) and is_count(v),
              "counters.vm_exits.by_reason[%r] malformed" % k, res)
    check(sum(ve["by_reason"].values()) == ve["total"],
          "vm_exits.total != sum of by_reason", res)
    sp = c.get("shadow_pages")
    check(isinstance(sp, dict) and is_count(sp.get("current"))
          and is_count(sp.get("peak")),
          "counters.shadow_pages must be {current, peak}", res)
    check(sp["current"] <= sp["peak"], "shadow_pages.current > peak", res)


@case("json")
def json_shape_and_exit_port(ctx):
    obj, res = ctx.run_json(ctx.guest("exit42.asm"))
    check(res.err == "", "a clean run prints nothing on stderr", res)
    check_shape(obj, res)
    vm = obj["vms"][0]
    check(vm["exit_reason"] == "exit_port", "exit_reason", res)
    check(vm["console"] == "hi\n", "console must be the guest's output", res)
    check(obj["cycles"] >= obj["instructions"] > 0,
          "cycles >= instructions > 0", res)


@case("json")
def json_exit_status_is_the_guest_value(ctx):
    # hvlab's own status is 0 (the guest ended by itself); the value the
    # guest wrote to port 0xF4 is in the report.
    obj, res = ctx.run_json(ctx.guest("exit42.asm"), rc=0)
    check(obj["vms"][0]["exit_status"] == 42, "exit_status must be 42", res)


@case("json")
def json_halt(ctx):
    obj, res = ctx.run_json(ctx.guest("halt.asm"), rc=0)
    check_shape(obj, res)
    check(obj["vms"][0]["exit_reason"] == "halt", "exit_reason 'halt'", res)
    check(obj["vms"][0]["exit_status"] is None, "exit_status null", res)


@case("json")
def json_paging_native_explicit(ctx):
    obj, res = ctx.run_json(ctx.guest("exit42.asm"), "--paging", "native")
    check_shape(obj, res)


@case("json")
def json_paging_guest(ctx):
    obj, res = ctx.run_json(ctx.guest("demand.asm"))
    check_shape(obj, res)
    check(obj["vms"][0]["exit_status"] == 80, "demand.asm exits with 80",
          res)
    check(obj["counters"]["tlb_misses"] > 0, "paging guest misses the TLB",
          res)


@case("json")
def json_every_paging_mode(ctx):
    # The guest sees the same machine whichever way its MMU is
    # virtualized (DESIGN.md §2): same console, exit, instruction count.
    seen = {}
    for mode in MODES:
        obj, res = ctx.run_json(ctx.guest("demand.asm"), "--paging", mode)
        check_shape(obj, res, paging=mode)
        vm = obj["vms"][0]
        seen[mode] = (vm["exit_reason"], vm["exit_status"], vm["console"],
                      obj["instructions"])
    check(len(set(seen.values())) == 1,
          "the guest saw different machines: %r" % seen)


@case("json")
def text_report(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"))
    check(res.rc == 0, "exit 0", res)
    check("hi" in res.out, "the text report shows the console", res)
    check(res.err == "", "nothing on stderr", res)


@case("json")
def scenario_titles_cannot_forge_lines(ctx):
    # A scenario's titles are the author's text: in the text report, an
    # escape sequence or a newline in them is shown escaped (one line,
    # no terminal control), as every message shows scenario text.
    import shutil
    shutil.copy(ctx.guest("exit42.asm"), os.path.join(ctx.tmp, "g.asm"))
    path = os.path.join(ctx.tmp, "evil.json")
    with open(path, "w") as f:
        f.write('{"title": "evil\\u001b[31mred\\nfake line", '
                '"summary": "s", "vms": [{"guest": "g.asm"}], '
                '"steps": [{"title": "t\\u001b[2J", "narration": "n", '
                '"until": "exit"}]}')
    res = ctx.run("run", path)
    check(res.rc == 0, "the scenario runs", res)
    check("\x1b" not in res.out, "no raw escape byte on stdout", res)
    check("evil\\x1B[31mred\\nfake line" in res.out,
          "the title shown escaped, on one line", res)


# --- limit: --max-instructions ---------------------------------------------

@case("limit")
def limit_infinite_loop(ctx):
    obj, res = ctx.run_json(ctx.guest("loop.asm"), "--max-instructions",
                            "10000", rc=3)
    check_shape(obj, res)
    check(obj["vms"][0]["exit_reason"] == "instruction_limit",
          "exit_reason 'instruction_limit'", res)
    check(obj["vms"][0]["exit_status"] is None, "exit_status null", res)
    check(obj["instructions"] == 10000, "instructions == 10000", res)


@case("limit")
def limit_text_mode(ctx):
    res = ctx.run("run", ctx.guest("loop.asm"), "--max-instructions",
                  "10000")
    check(res.rc == 3, "exit 3 at the limit, text report too", res)
    check("instruction_limit" in res.out, "the report says why", res)


@case("limit")
def limit_exact_with_faults_and_io(ctx):
    # The budget is exact wherever it runs out: in a walk, a #PF handler,
    # an I/O loop.
    for n in (1, 7, 500, 3000, 5600, 5800, 6000, 6500, 7000):
        obj, res = ctx.run_json(ctx.guest("demand.asm"),
                                "--max-instructions", n, rc=3)
        check(obj["instructions"] == n, "instructions == %d" % n, res)
        check(obj["vms"][0]["exit_reason"] == "instruction_limit",
              "exit_reason 'instruction_limit'", res)


@case("limit")
def limit_not_reached(ctx):
    obj, res = ctx.run_json(ctx.guest("exit42.asm"), "--max-instructions",
                            "1000000", rc=0)
    check(obj["vms"][0]["exit_reason"] == "exit_port", "exit_port", res)


# --- bad-input: exit 2, one line on stderr, nothing on stdout --------------

@case("bad-input")
def bad_missing_file(ctx):
    res = ctx.run("run", "no-such-guest.asm")
    expect_bad_input(res, "no-such-guest.asm")


@case("bad-input")
def bad_directory(ctx):
    d = os.path.join(ctx.tmp, "adir.asm")
    os.mkdir(d)
    expect_bad_input(ctx.run("run", d), d)


@case("bad-input")
def bad_nasm_syntax_error(ctx):
    res = ctx.run("run", ctx.guest("syntax_error.asm"))
    expect_bad_input(res, re.compile(r"syntax_error\.asm:6\b"))


@case("bad-input")
def bad_unknown_option(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), "--frobnicate")
    expect_bad_input(res, "--frobnicate")


@case("bad-input")
def bad_option_missing_value(ctx):
    for opt in ("--tlb-entries", "--trace", "--max-instructions", "--ram",
                "--paging"):
        expect_bad_input(ctx.run("run", ctx.guest("exit42.asm"), opt), opt)


@case("bad-input")
def bad_option_value_not_a_number(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), "--max-instructions",
                  "lots")
    expect_bad_input(res, "--max-instructions", "lots")


@case("bad-input")
def bad_tlb_geometry(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), "--tlb-entries", "6",
                  "--tlb-ways", "4")
    expect_bad_input(res, "6", "4")


@case("bad-input")
def bad_ram_too_small(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), "--ram", "1K")
    expect_bad_input(res, "--ram", "1K")


@case("bad-input")
def bad_paging_mode(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), "--paging", "bogus")
    expect_bad_input(res, "bogus")


@case("bad-input")
def bad_scenario_json_not_supported(ctx):
    path = os.path.join(ctx.tmp, "lesson.json")
    with open(path, "w") as f:
        f.write("{}\n")
    expect_bad_input(ctx.run("run", path), path)


@case("bad-input")
def bad_two_guests(ctx):
    res = ctx.run("run", ctx.guest("exit42.asm"), ctx.guest("halt.asm"))
    expect_bad_input(res)


@case("bad-input")
def bad_empty_file(ctx):
    # A 0-byte guest assembles to a 0-byte image: there is nothing to run
    # (RAM of zeros is `add [eax], al` forever), so it is bad input, named.
    path = os.path.join(ctx.tmp, "zero.asm")
    open(path, "w").close()
    expect_bad_input(ctx.run("run", path), path, "empty")


@case("bad-input")
def bad_empty_image(ctx):
    # Source that assembles to no bytes at all: the same refusal.
    for extra in ((), ("--json",)):
        res = ctx.run("run", ctx.guest("empty.asm"), *extra)
        expect_bad_input(res, "empty.asm", "empty")


@case("bad-input")
def bad_guest_writes_non_ram(ctx):
    addr = re.compile(r"0x0*b8000\b", re.I)
    for extra in ((), ("--json",)):
        res = ctx.run("run", ctx.guest("vga_write.asm"), *extra)
        expect_bad_input(res, "vga_write.asm", addr)


# --- trace: --trace FILE ---------------------------------------------------

def read_trace(path, res=None):
    with open(path, "rb") as f:
        data = f.read()
    check(data == b"" or data.endswith(b"\n"),
          "trace must end with a newline", res)
    events = []
    for i, line in enumerate(data.decode("utf-8").split("\n")[:-1]):
        try:
            ev = json.loads(line)
        except ValueError as e:
            raise Failure("trace line %d is not JSON (%s): %r" % (i + 1, e,
                                                                 line))
        check(isinstance(ev, dict), "trace line %d is not an object" % (i + 1))
        for k in ("seq", "icount", "cycles", "vm", "type"):
            check(k in ev, "trace line %d has no %r" % (i + 1, k))
        check(ev["seq"] == i, "trace line %d has seq %r, expected %d"
              % (i + 1, ev["seq"], i))
        check(isinstance(ev["type"], str), "type not a string")
        for k in ("icount", "cycles"):
            check(is_count(ev[k]), "trace line %d: %s not a count" % (i + 1, k))
        # Time does not go backwards along the stream: a run of TLB hits
        # is stamped when it began and recorded before anything later. (An
        # instruction that faults is taken back, its count with it: one.)
        if events:
            check(ev["icount"] >= events[-1]["icount"] - 1,
                  "trace line %d: icount %d after %d" %
                  (i + 1, ev["icount"], events[-1]["icount"]))
        events.append(ev)
    return data, events


def leftovers(directory, keep):
    return sorted(set(os.listdir(directory)) - set(keep))


@case("trace")
def trace_json_lines(ctx):
    t = os.path.join(ctx.tmp, "t.jsonl")
    obj, res = ctx.run_json(ctx.guest("demand.asm"), "--trace", t)
    _, events = read_trace(t, res)
    check(len(events) > 0, "trace is empty", res)
    check(events[-1]["type"] == "vm_end", "the last event is vm_end", res)
    check(leftovers(ctx.tmp, ["t.jsonl"]) == [],
          "temporary files left: %s" % leftovers(ctx.tmp, ["t.jsonl"]), res)


@case("trace")
def trace_deterministic(ctx):
    for extra in ((), ("--tlb-policy", "random", "--seed", "7"),
                  ("--tlb-entries", "8", "--tlb-ways", "2",
                   "--tlb-policy", "fifo"),
                  ("--paging", "shadow"), ("--paging", "nested")):
        datas = []
        for n in (1, 2):
            t = os.path.join(ctx.tmp, "d%d.jsonl" % n)
            res = ctx.run("run", ctx.guest("demand.asm"), "--trace", t,
                          "--json", *extra)
            check(res.rc == 0, "exit 0", res)
            datas.append((read_trace(t, res)[0], res.out))
        check(datas[0][0] == datas[1][0],
              "two runs gave different traces (%s)" % " ".join(extra))
        check(datas[0][1] == datas[1][1],
              "two runs gave different --json reports (%s)" % " ".join(extra))


@case("trace")
def trace_missing_directory(ctx):
    t = os.path.join(ctx.tmp, "no", "such", "dir", "t.jsonl")
    res = ctx.run("run", ctx.guest("exit42.asm"), "--trace", t)
    expect_bad_input(res, t)
    check(not os.path.exists(os.path.join(ctx.tmp, "no")),
          "a directory was created", res)
    check(os.listdir(ctx.tmp) == [], "files left behind: %s"
          % os.listdir(ctx.tmp), res)


@case("trace")
def trace_replaces_existing_on_success(ctx):
    t = os.path.join(ctx.tmp, "t.jsonl")
    with open(t, "w") as f:
        f.write("OLD\n")
    res = ctx.run("run", ctx.guest("exit42.asm"), "--trace", t)
    check(res.rc == 0, "exit 0", res)
    _, events = read_trace(t, res)
    check(events and events[0]["seq"] == 0, "trace replaced", res)
    check(leftovers(ctx.tmp, ["t.jsonl"]) == [], "temporary files left", res)


@case("trace")
def trace_written_at_instruction_limit(ctx):
    # Exit 3 is not a failure: the run did what was asked, the trace of
    # what it did is complete.
    t = os.path.join(ctx.tmp, "t.jsonl")
    obj, res = ctx.run_json(ctx.guest("demand.asm"), "--max-instructions",
                            "6200", "--trace", t, rc=3)
    _, events = read_trace(t, res)
    check(len(events) > 0, "no events before the limit", res)
    check(len(events) == obj["counters"].get("events", len(events)),
          "trace lines != counters.events", res)


@case("trace")
def trace_kept_on_failure(ctx):
    t = os.path.join(ctx.tmp, "t.jsonl")
    for guest in ("vga_write.asm", "syntax_error.asm"):
        with open(t, "w") as f:
            f.write("OLD\n")
        res = ctx.run("run", ctx.guest(guest), "--trace", t)
        check(res.rc == 2, "%s: exit 2" % guest, res)
        with open(t) as f:
            content = f.read()
        check(content == "OLD\n",
              "%s failed (exit 2) but the trace file was replaced (now %d "
              "bytes, starts %r)" % (guest, len(content), content[:80]), res)
        check(leftovers(ctx.tmp, ["t.jsonl"]) == [],
              "temporary files left: %s" % leftovers(ctx.tmp, ["t.jsonl"]),
              res)


# --- counters: folds over the event stream ---------------------------------

FOLDS = {  # counter -> event types it counts
    "tlb_hits": ["tlb_hit"],
    "tlb_misses": ["tlb_miss"],
    "walk_refs": ["walk_ref", "nested_walk_ref"],
    "sw_walk_refs": ["sw_walk_ref"],
    "guest_faults": ["guest_fault"],
    "tlb_evictions": ["tlb_evict"],
    "tlb_flushes": ["tlb_flush"],
    "io_accesses": ["io_in", "io_out"],
}


def insn_cost(ctx):
    """Cycles charged per instruction, from a run with no events."""
    obj, res = ctx.run_json(ctx.guest("loop.asm"), "--max-instructions",
                            "10000", rc=3)
    check(obj["counters"].get("events", 0) == 0,
          "loop.asm should make no events", res)
    check(obj["cycles"] % obj["instructions"] == 0,
          "cycles of an event-free run not a multiple of instructions", res)
    return obj["cycles"] // obj["instructions"]


def counters_vs_trace(ctx, *extra, rc=0, paging="native"):
    t = os.path.join(ctx.tmp, "c.jsonl")
    obj, res = ctx.run_json(ctx.guest("demand.asm"), "--trace", t,
                            "--paging", paging, *extra, rc=rc)
    check_shape(obj, res, paging=paging)
    _, events = read_trace(t, res)
    c = obj["counters"]
    by_type = {}
    for ev in events:
        # A tlb_hit event stands for `count` consecutive hits on one page
        # (docs/engine.md); every other event for one action.
        n = ev.get("count", 1) if ev["type"] == "tlb_hit" else 1
        by_type[ev["type"]] = by_type.get(ev["type"], 0) + n
    for counter, types in FOLDS.items():
        if counter not in c:  # beyond §5's keys: checked when present
            continue
        n = sum(by_type.get(t, 0) for t in types)
        check(c[counter] == n, "counters.%s = %d but the trace has %d %s "
              "events" % (counter, c[counter], n, "/".join(types)), res)
    if "events" in c:
        check(c["events"] == len(events), "counters.events = %d, trace "
              "lines = %d" % (c["events"], len(events)), res)
    # VM exits: one vm_exit event each; by_reason keyed as the event's
    # note names the reason (before any ", detail").
    exits = [ev for ev in events if ev["type"] == "vm_exit"]
    check(c["vm_exits"]["total"] == len(exits), "vm_exits.total = %d, "
          "trace has %d vm_exit events" % (c["vm_exits"]["total"],
                                           len(exits)), res)
    by_reason = {}
    for ev in exits:
        key = ev.get("note", "").split(",")[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    check(c["vm_exits"]["by_reason"] == by_reason, "vm_exits.by_reason %r, "
          "the trace's vm_exit events say %r" % (c["vm_exits"]["by_reason"],
                                                 by_reason), res)
    check(c["io_exits"] == by_reason.get("io", 0),
          "io_exits != vm_exit events of reason io", res)
    sp = c["shadow_pages"]
    allocs = by_type.get("shadow_alloc", 0) - by_type.get("shadow_zap", 0)
    check(sp["current"] == allocs, "shadow_pages.current = %d, trace: %d "
          "shadow_alloc - shadow_zap" % (sp["current"], allocs), res)

    # Cycles: each event's cycles are the machine's after it was charged;
    # between two events only instructions are charged (hv_counters_fold,
    # vcpu.c), so cycles[i] - cycles[i-1] - k * (icount[i] - icount[i-1])
    # is the fixed cost of event i's kind, the same for every event of
    # that kind (its type, and its "cause" where it has one: an INVLPG and
    # a fault's invalidation are both tlb_invlpg, charged differently);
    # after the last event only instructions are charged.
    k = insn_cost(ctx)
    cost = {}
    prev_i, prev_c = 0, 0
    for ev in events:
        d = ev["cycles"] - prev_c - k * (ev["icount"] - prev_i)
        check(d >= 0, "event seq %d (%s) charged %d cycles"
              % (ev["seq"], ev["type"], d), res)
        # (an I/O exit also pays the trip to the device model: its exit
        # name is part of its kind)
        kind = (ev["type"], str(ev.get("cause", "")), str(ev.get("exit", "")))
        want = cost.setdefault(kind, d)
        check(d == want, "event seq %d (%s) charged %d cycles, earlier "
              "ones of its kind %d" % (ev["seq"], "/".join(kind), d, want),
              res)
        prev_i, prev_c = ev["icount"], ev["cycles"]
    check(obj["instructions"] >= prev_i, "instructions < last icount", res)
    check(obj["cycles"] == prev_c + k * (obj["instructions"] - prev_i),
          "cycles %d != last event's %d + %d * (%d - %d) instructions after "
          "it" % (obj["cycles"], prev_c, k, obj["instructions"], prev_i),
          res)
    icounts = [ev["icount"] for ev in events]
    check(max(icounts) <= obj["instructions"], "icount beyond the end", res)
    return obj, events, res


@case("counters")
def counters_match_trace(ctx):
    obj, events, res = counters_vs_trace(ctx)
    c = obj["counters"]
    check(c["guest_faults"] == obj["vms"][0]["exit_status"] == 80,
          "demand.asm counts its own faults: 80", res)
    for k in ("tlb_hits", "tlb_misses", "walk_refs", "guest_faults"):
        check(c[k] > 0, "counters.%s should be > 0 for demand.asm" % k, res)


@case("counters")
def counters_match_trace_at_limit(ctx):
    # demand.asm turns paging on after ~5500 instructions: stop during
    # the sweep, with faults and walks behind and ahead.
    obj, events, res = counters_vs_trace(ctx, "--max-instructions", "6200",
                                         rc=3)
    check(obj["counters"]["guest_faults"] > 0, "faults before the limit", res)


@case("counters")
def counters_match_trace_small_tlb(ctx):
    obj, _, res = counters_vs_trace(ctx, "--tlb-entries", "4",
                                    "--tlb-ways", "1", "--tlb-policy", "fifo")
    check(obj["counters"]["tlb_evictions"] > 0, "a 4-entry TLB evicts", res)


@case("counters")
def counters_match_trace_shadow_and_nested(ctx):
    for mode in ("shadow", "nested"):
        obj, _, res = counters_vs_trace(ctx, paging=mode)
        check(obj["counters"]["vm_exits"]["total"] > 0,
              "%s paging: a guest that pages and does I/O exits" % mode, res)


@case("counters")
def counters_native_has_no_hypervisor(ctx):
    obj, res = ctx.run_json(ctx.guest("demand.asm"))
    c = obj["counters"]
    for k in ("sw_walk_refs", "hidden_faults", "pt_write_traps", "io_exits"):
        check(c[k] == 0, "native paging: counters.%s must be 0" % k, res)
    check(c["vm_exits"]["total"] == 0, "native paging: no VM exits", res)
    check(c["shadow_pages"] == {"current": 0, "peak": 0},
          "native paging: no shadow pages", res)


# --- usage: no arguments, --help, --version --------------------------------

@case("usage")
def usage_no_arguments(ctx):
    res = ctx.run()
    check(res.rc == 2, "no arguments: exit 2", res)
    check(res.out == "", "no arguments: nothing on stdout", res)
    check("usage" in res.err.lower(), "no arguments: usage on stderr", res)


@case("usage")
def usage_help(ctx):
    for argv in (["--help"], ["run", "--help"]):
        res = ctx.run(*argv)
        check(res.rc == 0, "%s: exit 0" % " ".join(argv), res)
        check("usage" in res.out.lower(), "usage on stdout", res)
        check(res.err == "", "nothing on stderr", res)


@case("usage")
def usage_version(ctx):
    res = ctx.run("--version")
    check(res.rc == 0, "--version: exit 0", res)
    check(re.fullmatch(r"hvlab \d+\.\d+\.\d+\S*\n", res.out),
          "--version prints 'hvlab X.Y.Z'", res)


@case("usage")
def usage_run_without_guest(ctx):
    res = ctx.run("run")
    check(res.rc == 2, "run without a guest: exit 2", res)
    check(res.out == "", "nothing on stdout", res)
    check("usage" in res.err.lower(), "usage on stderr", res)


@case("usage")
def usage_unknown_command(ctx):
    res = ctx.run("frobnicate")
    check(res.rc == 2, "unknown command: exit 2", res)
    check(res.out == "", "nothing on stdout", res)
    check("frobnicate" in res.err.splitlines()[0] if res.err else False,
          "the first stderr line names the command", res)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hvlab", required=True)
    ap.add_argument("--guests", required=True)
    ap.add_argument("groups", nargs="+",
                    choices=sorted(GROUPS) + ["all"])
    args = ap.parse_args()
    hvlab = os.path.abspath(args.hvlab)
    guests = os.path.abspath(args.guests)
    groups = sorted(GROUPS) if "all" in args.groups else args.groups
    failed = total = 0
    for g in groups:
        for fn in GROUPS[g]:
            total += 1
            name = "%s/%s" % (g, fn.__name__)
            with tempfile.TemporaryDirectory(prefix="hvlab-cli-") as tmp:
                try:
                    fn(Ctx(hvlab, guests, tmp))
                except Failure as e:
                    failed += 1
                    print("FAIL %s: %s" % (name, e))
                    continue
            print("ok   %s" % name)
    print("%d/%d passed" % (total - failed, total))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
