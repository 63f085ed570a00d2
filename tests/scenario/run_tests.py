#!/usr/bin/env python3
"""Scenario tests: the loader, the schema and the headless contract.

    run_tests.py --hvlab build/hvlab --source . --workdir DIR GROUP

Groups (one meson test each, suite `scenario`):
  bundled  every scenarios/*.json passes `hvlab check` and `hvlab run`
           (text and --json, DESIGN.md §5 shape) and scenarios/schema.json
  good     the same for tests/scenario/good/*.json (every feature once)
  bad      the corpus tests/scenario/bad/: exit 2 with FILE:LINE:COL: PATH
           and the expected text (bad/expect.txt), from `check` and `run`;
           the schema rejects the files marked `schema`
  deep     a 200 MB deeply nested file generated in DIR (never committed):
           exit 2 at the right place, no crash, no hang
  fail     runs that fail: a checkpoint (exit 1, named), a disagreeing
           answer, a label never reached, the instruction limit (exit 3),
           a bad guest (exit 2), modes and VM counts not implemented yet
  sync     the schema's enums agree with hvlab's counters and events
Exit status: 0 pass, 1 fail.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def run(hvlab, args, cwd=None, timeout=120):
    p = subprocess.run([hvlab] + args, cwd=cwd, capture_output=True,
                       timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def validator(source):
    import jsonschema
    schema = json.load(open(os.path.join(source, "scenarios", "schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


DESIGN_KEYS = ["scenario", "paging", "instructions", "cycles", "vms",
               "counters", "steps"]
COUNTER_KEYS = ["tlb_hits", "tlb_misses", "walk_refs", "sw_walk_refs",
                "vm_exits", "hidden_faults", "guest_faults", "pt_write_traps",
                "io_exits", "shadow_pages"]


def check_json_shape(name, obj, nsteps):
    for k in DESIGN_KEYS:
        if k not in obj:
            fail(f"{name}: --json lacks '{k}'")
    for k in COUNTER_KEYS:
        if k not in obj.get("counters", {}):
            fail(f"{name}: --json counters lack '{k}'")
    ex = obj.get("counters", {}).get("vm_exits", {})
    if not isinstance(ex, dict) or "total" not in ex or "by_reason" not in ex:
        fail(f"{name}: counters.vm_exits is not {{total, by_reason}}")
    sp = obj.get("counters", {}).get("shadow_pages", {})
    if not isinstance(sp, dict) or set(sp) != {"current", "peak"}:
        fail(f"{name}: counters.shadow_pages is not {{current, peak}}")
    for vm in obj.get("vms", []):
        for k in ["name", "exit_reason", "exit_status", "console"]:
            if k not in vm:
                fail(f"{name}: a vm lacks '{k}'")
        if vm.get("exit_reason") not in ("exit_port", "halt", "triple_fault",
                                          "instruction_limit", "running"):
            fail(f"{name}: exit_reason {vm.get('exit_reason')!r}")
    steps = obj.get("steps", [])
    if len(steps) != nsteps:
        fail(f"{name}: --json has {len(steps)} steps, the file {nsteps}")
    for st in steps:
        for k in ["index", "id", "path", "run", "outcome", "instructions",
                  "checkpoints", "questions"]:
            if k not in st:
                fail(f"{name}: a step lacks '{k}'")
        for c in st.get("checkpoints", []):
            if set(c) != {"name", "path", "ok", "expected", "actual"}:
                fail(f"{name}: checkpoint keys {sorted(c)}")


def scenario_passes(hvlab, v, path):
    name = os.path.relpath(path)
    doc = json.load(open(path))
    errs = sorted(v.iter_errors(doc), key=lambda e: e.path)
    for e in errs[:3]:
        fail(f"{name}: schema: {list(e.path)}: {e.message[:200]}")
    rc, out, err = run(hvlab, ["check", path])
    if rc != 0 or ": ok:" not in out:
        fail(f"{name}: hvlab check exit {rc}: {err.strip()[:400]}")
    rc, out, err = run(hvlab, ["run", path])
    if rc != 0:
        fail(f"{name}: hvlab run exit {rc}: {err.strip()[:600]}")
    if "FAIL" in out:
        fail(f"{name}: hvlab run printed a failure")
    rc, out, err = run(hvlab, ["run", path, "--json"])
    if rc != 0:
        fail(f"{name}: hvlab run --json exit {rc}: {err.strip()[:300]}")
        return
    try:
        obj = json.loads(out)
    except ValueError as e:
        fail(f"{name}: --json output is not JSON: {e}")
        return
    check_json_shape(name, obj, len(doc["steps"]))
    for st in obj.get("steps", []):
        if st.get("outcome") != "done":
            fail(f"{name}: step {st.get('index')} outcome {st.get('outcome')}")
        for c in st.get("checkpoints", []):
            if not c.get("ok"):
                fail(f"{name}: {c.get('path')} does not hold: {c}")
        for q in st.get("questions", []):
            if not q.get("ok") or q.get("answer") is None:
                fail(f"{name}: {q.get('path')}: {q}")
    print(f"ok: {name}: {len(doc['steps'])} steps")


def group_bundled(a, v):
    files = sorted(f for f in glob.glob(os.path.join(a.source, "scenarios",
                                                     "*.json"))
                   if not f.endswith("schema.json"))
    if len(files) < 2:
        fail(f"only {len(files)} bundled scenarios")
    for f in files:
        scenario_passes(a.hvlab, v, f)


def group_good(a, v):
    for f in sorted(glob.glob(os.path.join(a.source, "tests", "scenario",
                                           "good", "*.json"))):
        scenario_passes(a.hvlab, v, f)


def read_manifest(bad):
    rows = []
    for line in open(os.path.join(bad, "expect.txt"), encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.rstrip("\n").split(" | ")]
        if len(cols) != 5:
            fail(f"expect.txt: bad line {line!r}")
            continue
        rows.append(cols)
    return rows


def expect_error(hvlab, args, cwd, prefix, text, what):
    rc, out, err = run(hvlab, args, cwd=cwd)
    if rc != 2:
        fail(f"{what}: exit {rc}, expected 2; stderr: {err.strip()[:300]}")
        return
    lines = err.splitlines()
    # A path ending in "..." is a prefix (deep paths are shortened).
    head = prefix[:-3] if prefix.endswith("...") else prefix + ": "
    for i, line in enumerate(lines):
        if line.startswith(head) and text in "\n".join(lines[i:]):
            return
    fail(f"{what}: no message starting '{prefix}: ' with '{text}':\n{err}")


def group_bad(a, v):
    bad = os.path.join(a.source, "tests", "scenario", "bad")
    rows = read_manifest(bad)
    listed = {r[0] for r in rows}
    # Files only: guest/ and guests/ are the corpus's guests (links to
    # scenarios/guest and ../guests, so each file names its guest inside
    # its own directory, as the loader requires).
    present = {os.path.basename(f) for f in glob.glob(os.path.join(bad, "*"))
               if os.path.isfile(f) and not f.endswith("expect.txt")}
    for f in sorted(present - listed):
        fail(f"bad/{f} has no line in expect.txt")
    for f in sorted(listed - present):
        fail(f"expect.txt names bad/{f}, which does not exist")
    if len(rows) < 30:
        fail(f"the bad corpus has {len(rows)} files, fewer than 30")
    for name, loc, path, text, schema in rows:
        prefix = f"{name}:{loc}: {path}"
        expect_error(a.hvlab, ["check", name], bad, prefix, text,
                     f"check bad/{name}")
        expect_error(a.hvlab, ["run", name], bad, prefix, text,
                     f"run bad/{name}")
        if schema == "schema":
            doc = json.load(open(os.path.join(bad, name), encoding="utf-8"))
            if v.is_valid(doc):
                fail(f"bad/{name}: the schema accepts what the loader "
                     f"rejects")
    print(f"ok: {len(rows)} bad scenarios checked")


def group_deep(a, v):
    os.makedirs(a.workdir, exist_ok=True)
    path = os.path.join(a.workdir, "deep-200mb.json")
    head = b'{"title": "deep", "summary": '
    chunk = b"[" * (1 << 20)
    try:
        with open(path, "wb") as f:
            f.write(head)
            for _ in range(200):
                f.write(chunk)
        size = os.path.getsize(path)
        col = len(head) + 256  # with the object, the 257th level
        prefix = f"{path}:1:{col}: $.summary[0][0][0]..."
        for cmd in ("check", "run"):
            expect_error(a.hvlab, [cmd, path], None, prefix,
                         "nesting deeper than 256 levels",
                         f"{cmd} of a {size >> 20} MB nested file")
    finally:
        if os.path.exists(path):
            os.unlink(path)
    # Deep but within the limit: the loader gets to the types.
    path = os.path.join(a.workdir, "deep-250.json")
    with open(path, "w") as f:
        f.write('{"title": "x",\n "summary": ' + "[" * 250 + "]" * 250 + "}")
    try:
        expect_error(a.hvlab, ["check", path], None, f"{path}:2:13: $.summary",
                     "must be a string, not an array", "250 levels")
    finally:
        os.unlink(path)
    print("ok: deep nesting")


def group_fail(a, v):
    fdir = os.path.join(a.source, "tests", "scenario", "fail")
    for f in sorted(glob.glob(os.path.join(fdir, "*.json"))):
        errs = list(v.iter_errors(json.load(open(f))))
        if errs:
            fail(f"fail/{os.path.basename(f)}: schema: {errs[0].message}")
        rc, out, err = run(a.hvlab, ["check", os.path.basename(f)], cwd=fdir)
        if rc != 0:
            fail(f"check fail/{os.path.basename(f)}: exit {rc}: {err}")
    cases = [
        ("checkpoint_fails.json", 1,
         "checkpoint_fails.json:11:8: $.steps[1].checkpoints[1]: step 2 "
         "'first-read', checkpoint 'three references' fails: expected "
         "walk_refs in this step = 3; got walk_refs in this step = 2"),
        ("answer_disagrees.json", 1,
         "answer_disagrees.json:8:86: $.steps[1].questions[0].answer: step 2 "
         "'miss', question refs: the run says 2"),
        ("not_reached.json", 1,
         "not_reached.json:7:72: $.steps[1].until: step 2 'too-late': vm0 "
         "ended (exit_port, status 0) before it got to label first_read"),
        ("limit.json", 3,
         "limit.json:7:62: $.steps[0].until: step 1 'forever': "
         "machine.max_instructions (1000 per step) ran out"),
        ("bad_guest.json", 2,
         "bad_guest.json:6:55: $.steps[0].until: step 1 'poke': vm0 ended: "
         "bad_access"),
        # Several VMs: the message names the VM that ended and the VM
        # whose label it is (not the first VM, which also ended).
        ("not_reached_vm.json", 1,
         "not_reached_vm.json:11:72: $.steps[1].until: step 2 'too-late': "
         "right ended (exit_port, status 0) before it got to label "
         "first_read of VM right (tlb_walk.asm:"),
    ]
    for name, status, msg in cases:
        rc, out, err = run(a.hvlab, ["run", name], cwd=fdir)
        if rc != status:
            fail(f"run fail/{name}: exit {rc}, expected {status}: {err}")
        if msg not in err:
            fail(f"run fail/{name}: stderr lacks\n  {msg}\ngot:\n{err}")
    # The failing checkpoint in --json, and the one that holds.
    rc, out, err = run(a.hvlab, ["run", "checkpoint_fails.json", "--json"],
                       cwd=fdir)
    obj = json.loads(out) if out.strip() else {}
    check_json_shape("checkpoint_fails --json", obj, 3)
    cps = obj.get("steps", [{}, {}])[1].get("checkpoints", [])
    if rc != 1 or len(cps) != 2 or cps[0]["ok"] is not True or \
            cps[1]["ok"] is not False or cps[1]["name"] != "three references":
        fail(f"checkpoint_fails --json: exit {rc}, checkpoints {cps}")
    if obj.get("failed") != 1:
        fail(f"checkpoint_fails --json: failed = {obj.get('failed')}")
    # The limit stops the run: the later step is not run.
    rc, out, err = run(a.hvlab, ["run", "limit.json", "--json"], cwd=fdir)
    obj = json.loads(out) if out.strip() else {}
    outs = [s.get("outcome") for s in obj.get("steps", [])]
    if rc != 3 or outs != ["instruction_limit", "not_run"] or \
            obj.get("exit_reason") != "instruction_limit":
        fail(f"limit --json: exit {rc}, outcomes {outs}, "
             f"exit_reason {obj.get('exit_reason')}")
    # The command line: --paging overrides the scenario's mode (the
    # native checkpoints then fail, by name), bad names and options.
    tlb = os.path.join(a.source, "scenarios", "native-tlb.json")
    rc, out, err = run(a.hvlab, ["run", tlb, "--paging", "nested"])
    if rc != 1 or "paging nested" not in out or \
            "checkpoint 'two walk references' fails" not in err:
        fail(f"run --paging nested: exit {rc}: {err[:300]}")
    for args, text in [
            (["run", tlb, "--paging", "ept"], "'ept' is not native, shadow "
             "or nested"),
            (["compare", tlb, "--paging", "native,ept"], "'ept' is not "
             "native, shadow or nested"),
            (["compare", tlb, "--paging", "native,native"], "listed twice"),
            (["run", tlb, "--ram", "4M"], "does not apply to a scenario"),
            (["check"], "usage: hvlab check")]:
        rc, out, err = run(a.hvlab, args)
        if rc != 2 or text not in err:
            fail(f"hvlab {' '.join(args)}: exit {rc}, stderr {err[:300]}")
    rc, out, err = run(a.hvlab, ["compare", tlb, "--paging",
                                 "native,shadow,nested"])
    if rc != 0 or "walk_refs" not in out or "1.00x" not in out or err:
        fail(f"compare: exit {rc}: {out[:300]} {err[:300]}")
    rc, out, err = run(a.hvlab, ["compare", tlb, "--json"])
    try:
        modes = json.loads(out)["modes"]
        if rc != 0 or [m["paging"] for m in modes] != \
                ["native", "shadow", "nested"] or \
                modes[0]["counters"]["walk_refs"] != 14 or \
                modes[0]["cycles_ratio"] != 1 or modes[1]["failed"] == 0:
            fail(f"compare --json: exit {rc}: {modes}")
    except (ValueError, KeyError) as e:
        fail(f"compare --json: {e}: {out[:200]}")
    # check: one good and one bad file -> 2, the good one still reported.
    bad = os.path.join(a.source, "tests", "scenario", "bad", "empty.json")
    rc, out, err = run(a.hvlab, ["check", tlb, bad])
    if rc != 2 or "native-tlb.json: ok:" not in out:
        fail(f"check good+bad: exit {rc}: {out} {err}")
    print("ok: failing runs")


def enum_from_error(hvlab, workdir, snippet):
    """The list hvlab prints for a name it does not know (the guest is
    never assembled: the bad name stops the load first)."""
    path = os.path.join(workdir, "sync.json")
    with open(path, "w") as f:
        f.write('{"title": "s", "summary": "s", "vms": [{"guest": "g.asm"}],'
                '\n "steps": [%s]}' % snippet)
    rc, out, err = run(hvlab, ["check", path])
    os.unlink(path)
    if "(one of: " not in err:
        fail(f"no list in: {err}")
        return []
    return err.split("(one of: ", 1)[1].split(")", 1)[0].split(", ")


def group_sync(a, v):
    os.makedirs(a.workdir, exist_ok=True)
    schema = json.load(open(os.path.join(a.source, "scenarios",
                                         "schema.json")))
    counters = enum_from_error(a.hvlab, a.workdir, '{"narration": "n", '
                               '"checkpoints": [{"counter": "qqqqqqqqqqqq", '
                               '"equals": 0}]}')
    if counters != schema["$defs"]["counter"]["enum"]:
        fail(f"schema counters {schema['$defs']['counter']['enum']} != "
             f"hvlab's {counters}")
    events = enum_from_error(a.hvlab, a.workdir, '{"narration": "n", '
                             '"until": {"event": "qqqqqqqqqqqq"}}')
    until_obj = schema["$defs"]["until"]["oneOf"][1]
    if events != until_obj["properties"]["event"]["enum"]:
        fail(f"schema events != hvlab's {events}")
    print(f"ok: {len(counters)} counters and {len(events)} events agree")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hvlab", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("group", choices=["bundled", "good", "bad", "deep",
                                      "fail", "sync"])
    a = ap.parse_args()
    a.hvlab = os.path.abspath(a.hvlab)
    a.source = os.path.abspath(a.source)
    a.workdir = os.path.abspath(a.workdir)
    v = validator(a.source)
    globals()["group_" + a.group](a, v)
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
