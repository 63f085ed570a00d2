#!/usr/bin/env python3
"""The TUI driven through tmux, asserting what a person would read.

    test_tui.py --hvlab PATH --source DIR GROUP...

Each GROUP is one meson test in suite 'tui'; `all` runs every group. The
real binary runs in a tmux server of its own (a private socket under a
private TMUX_TMPDIR, started in the foreground with -D so that no daemon
is left behind), in sessions of fixed sizes (-x/-y). Keys go in with
send-keys; the screen comes back with capture-pane -p; every wait is for
text to appear (polling), never a bare sleep. One line per case:
`ok  group/case` or `FAIL group/case: why` with the last screen. Exit
status 0 when all passed, 1 otherwise, 77 (skipped) without tmux.

Only tmux's pseudo-terminal is used: the tests need no terminal of their
own and no stdin, so they run in CI.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tuiharness import GROUPS, Ctx, Failure, Tmux, case, check

PAGING = "scenarios/guest/paging.asm"
HELLO = "scenarios/guest/hello.asm"
DEMAND = "tests/cli/guests/demand.asm"
IO_COMPARE = "scenarios/guest/io_compare.asm"
PV_COMPARE = "scenarios/guest/pv_compare.asm"


def lines_of(s):
    return s.split("\n")


def insn_count(s):
    m = re.search(r"insn ([\d,]+)", s)
    return int(m.group(1).replace(",", "")) if m else -1


# --- layout ------------------------------------------------------------------

@case("layout")
def standard_layout_shows_every_pane(ctx):
    s = ctx.session(ctx.guest(PAGING))
    titles = ["\u250c %s " % t for t in ["\u25b6Code", "Guest page tables", "Walk", "TLB",
                                          "Host memory", "Exits and I/O", "Counters",
                                          "Narration"]]
    # The key bar is generated from the key table.
    scr = s.wait(titles + [re.compile(r"(?m)^ space step\s+m miss\s+x exit")],
                 "every pane at 160x48, and the key bar")
    check("widen to" not in scr and "needs" not in scr, "a pane does not fit", scr)


@case("layout")
def hypervisor_pane_follows_the_paging_mode(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "shadow")
    scr = s.wait(["Code", "Shadow tables"], "the shadow pane")
    check("Nested table" not in scr, "a nested pane in shadow mode", scr)
    s = ctx.session(ctx.guest(PAGING), "--paging", "nested")
    scr = s.wait(["Code", "Nested table", "EPT 4-level"], "the EPT pane")
    check("Shadow tables" not in scr, "a shadow pane in nested mode", scr)


@case("layout")
def eighty_by_twentyfour_degrades(ctx):
    s = ctx.session(ctx.guest(PAGING), w=80, h=24)
    scr = s.wait(["\u250c \u25b6Code", "\u250c Walk", "\u250c Exits and I/O",
                  re.compile(r"\d of \d+ panes")], "Code, Walk and the log; hidden panes counted")
    check("widen to" not in scr, "a pane that does not fit is drawn", scr)
    s.keys("m")
    scr = s.wait("2 of 2 references", "the walk at 80x24")
    check(all(len(l) <= 80 for l in lines_of(scr)), "a line is wider than 80", scr)


@case("layout")
def layouts_cycle_and_fit_100x30(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "nested", "--nested-prefill", w=100, h=30)
    s.ready()
    s.keys("m")
    s.wait("14 of 14", "the nested walk at 100x30")
    s.keys("l")
    s.wait(["lecture layout", "\u250c Narration", "\u250c Counters", "\u250c Walk"],
           "the lecture layout: code, the walk large, narration, counters")
    s.keys("Tab")
    s.wait(["\u250c \u25b6TLB"], "Tab makes the TLB the big pane")
    s.keys("l")
    scr = s.wait(["compact layout"] + ["\u250c %s" % t for t in
                                       ["Code", "Walk", "Guest page tables", "\u25b6TLB",
                                        "Exits and I/O", "Counters"]],
                 "the six panes of the compact layout at 100x30")
    check("widen to" not in scr, "compact does not fit 100x30", scr)


@case("layout")
def resize_does_not_crash(ctx):
    s = ctx.session(ctx.guest(PAGING))
    s.ready()
    s.ctx.tmux.tmux("resize-window", "-t", s.name, "-x", "60", "-y", "20")
    s.wait("needs at least 80x24", "the too-small message")
    s.ctx.tmux.tmux("resize-window", "-t", s.name, "-x", "120", "-y", "40")
    scr = s.wait(lambda x: "Code" in x and "Walk" in x, "panes after growing")
    s.ctx.tmux.tmux("resize-window", "-t", s.name, "-x", "200", "-y", "60")
    scr = s.wait(lambda x: "Host memory" in x, "panes at 200x60")
    s.keys("m")
    s.wait("2 of 2 references", "stepping after resizes")


@case("layout")
def zoom_fills_the_screen(ctx):
    s = ctx.session(ctx.guest(PAGING))
    s.ready()
    s.keys("m", "Tab", "Tab")
    s.wait("\u25b6Walk", "focus on the Walk pane")
    s.keys("z")

    def zoomed(x):
        ls = lines_of(x)
        return (len(ls) > 46 and "zoom" in ls[0] and ls[1].startswith("\u250c \u25b6Walk") and
                ls[1].endswith("\u2510") and ls[46].startswith("\u2514") and
                ls[46].endswith("\u2518") and "\u250c TLB" not in x and "Counters" not in x and
                "2 of 2 references" in x)
    s.wait(zoomed, "the Walk pane alone, framed from row 1 to row 46")
    s.keys("z")
    s.wait("Counters", "unzoom")


# --- walks -------------------------------------------------------------------

@case("native")
def first_miss_native_two_references(ctx):
    s = ctx.session(ctx.guest(PAGING))
    s.ready()
    s.keys("m")
    # The walk's two entries; the TLB pane's new entry, marked as filled
    # this step; the counter's delta.
    s.wait(["2 of 2 references", "PDE[000]", "PTE[001]", "fetch \u00b7 TLB miss",
            "\u25c600001\u219200001", re.compile(r"tlb_misses\s+1 \+1")],
           "the native walk, the TLB fill and the counters")


@case("native")
def pte_written_by_the_guest_is_marked(ctx):
    s = ctx.session(ctx.guest(DEMAND))
    s.ready()
    s.keys("f")
    s.wait("guest_fault", "the first #PF")
    # The handler: push, push, mov cr2, and, mov, shr, or, then the store.
    for _ in range(8):
        s.keys("Space")
    s.wait(re.compile(r"\*\s+PTE\[200\] 00200000 \u2192 00200000 PW\.\.\.\.\.\s+\* was 00000000"),
           "PTE[200] with its new flags and its old value, marked changed")


@case("native")
def console_and_io_log(ctx):
    s = ctx.session(ctx.guest(HELLO))
    s.ready()
    s.keys("o", "o")
    s.wait(["OUT 0x3F8 THR 'h'", "IN 0x3FD LSR"], "the LSR poll and the UART write in the log")
    s.keys("e")
    s.wait(["the guest ended: exit_port, status 0", "hello from the guest"],
           "the end, and the console in the narration pane")


@case("native")
def typed_input_reaches_the_guest(ctx):
    # docs/devices.md "Console input": io_compare.asm ends by waiting in
    # HLT for 3 bytes by the UART's interrupt. The run stops there (the VM
    # does not end); a line typed with `i` wakes it, and the guest echoes
    # it after "got: ".
    s = ctx.session(ctx.guest(IO_COMPARE))
    s.ready()
    s.keys("e")
    s.wait("waits in HLT for console input", "the run stopped, waiting for input")
    s.keys("i")
    s.wait("console: ", "the console prompt")
    s.keys("o", "k", "Enter")
    s.wait("typed 3 bytes on the console", "the bytes queued")
    s.keys("I")
    s.wait(["interrupt", "-> vector 0x24"], "the UART's interrupt taken (IRQ 4, vector 0x24)")
    s.keys("e")
    s.wait(["the guest ended: exit_port, status 0", "got: ok"],
           "the typed line echoed by the guest")


@case("native")
def virtio_rings_in_the_io_pane(ctx):
    # Issue 9: the I/O pane shows the virtqueue's rings. pv_compare.asm
    # makes 8 + 4 buffers available on the transmitq (size 16) and the
    # device uses them all (virtio 1.1 §2.6): both indexes end at 12.
    s = ctx.session(ctx.guest(PV_COMPARE))
    s.ready()
    s.keys("e")
    s.wait(["the guest ended: exit_port, status 0", "virtq 1 transmitq",
            "avail idx 12 · used idx 12 · device took 12"],
           "the transmit ring's indexes at the end")


@case("native")
def run_and_pause(ctx):
    s = ctx.session(ctx.guest(DEMAND))
    s.ready()
    s.keys("+", "+", "r")
    scr = s.wait(lambda x: "running" in x and insn_count(x) > 0, "a continuous run")
    s.keys("r")
    scr = s.wait(lambda x: "paused" in lines_of(x)[0], "pause")
    n = insn_count(scr)
    scr = s.wait(lambda x: insn_count(x) == n, "no progress while paused")
    s.keys("R")
    s.wait(lambda x: insn_count(x) == 0 and "restarted" in x, "restart")


@case("nested")
def first_miss_nested_ept_fourteen(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "nested", "--nested-prefill")
    s.ready()
    s.keys("m")
    s.wait(["14 of 14 references",
            re.compile(r"gCR3\s+00010000\s+1\s+2\s+3\s+4\s+5 PDE\[000\]"),
            re.compile(r"PT\s+00011000\s+6\s+7\s+8\s+9\s+10 PTE\[001\]"),
            re.compile(r"page\s+00001000\s+11\s+12\s+13\s+14"),
            re.compile(r"walk_refs\s+14 \+14")], "the 2-D walk, its grid and walk_refs")


@case("nested")
def first_miss_nested_npt_eight(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "nested", "--npt", "--nested-prefill")
    s.ready()
    s.keys("m")
    s.wait(["8 of 8 references", "2-level NPT", "NPT 2-level"], "the NPT walk, named NPT")


@case("nested")
def lazy_ept_shows_the_violations(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "nested")
    s.ready()
    s.keys("m")
    s.wait(["14 of 14 references", "ended in exits"],
           "the final attempt, and the earlier ones counted")


@case("shadow")
def first_miss_shadow_hidden_fault(ctx):
    s = ctx.session(ctx.guest(PAGING), "--paging", "shadow")
    s.ready()
    s.keys("m")
    s.wait(["hidden fault", "hypervisor walks the guest's tables", "current root",
            "sPTE[001]", "2 of 2 references"],
           "the hidden fault, the software walk, the shadow tree and the count")


# --- keys, help, quitting ----------------------------------------------------

def help_texts(source):
    """The help strings of REQ_LIST, read from the header itself."""
    text = open(os.path.join(source, "src/views/request.h")).read()
    body = text[text.index("#define REQ_LIST(X)"):text.index("typedef enum hv_request")]
    out = {}
    for m in re.finditer(r'X\(\s*(\w+)\s*,\s*"[^"]*"\s*,\s*(?:NULL|"[^"]*")\s*,\s*((?:"[^"]*"\s*\\?\s*)+)\)',
                         body):
        out[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return out


@case("help")
def help_lists_every_key(ctx):
    texts = help_texts(ctx.source)
    check(len(texts) >= 20, "REQ_LIST parsed: %d requests" % len(texts))
    s = ctx.session(ctx.guest(PAGING))
    s.ready()
    s.keys("?")
    flat = lambda x: re.sub(r"\s+", " ", x)
    s.wait(lambda x: all(k in flat(x) for k in ["Help: keys", "space/s", "Tab", "PgUp"]),
           "the help overlay with its keys")
    # Every request's help line, in the table's order, paging down as needed.
    for rid, text in texts.items():
        for _ in range(10):
            try:
                s.wait(lambda x: text in flat(x), "help for %s" % rid, timeout=1)
                break
            except Failure:
                s.keys("PageDown")
        else:
            raise Failure("the help lacks %s: %r\n--- screen ---\n%s" % (rid, text, s.screen()))
    s.keys("?")
    scr = s.wait(lambda x: "Help: keys" not in x, "the help closes")


def exit_status(s):
    """The status the shell after hvlab printed (report_exit sessions)."""
    scr = s.wait(re.compile(r"\[exit \d+\]"), "hvlab's exit")
    return int(re.search(r"\[exit (\d+)\]", scr).group(1))


def hvlab_pid(s):
    """hvlab runs as the only child of the pane's shell."""
    shell = int(s.info("#{pane_pid}"))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (shell, shell)) as f:
                kids = f.read().split()
        except OSError:
            kids = []
        if kids:
            return int(kids[0])
        time.sleep(0.03)
    raise Failure("no hvlab process under the pane's shell")


@case("quit")
def q_quits_with_status_zero(ctx):
    s = ctx.session(ctx.guest(PAGING), report_exit=True)
    s.ready()
    check(s.info("#{alternate_on}") == "1", "the TUI uses the alternate screen")
    s.keys("m", "q")
    rc = exit_status(s)
    check(rc == 0, "exit status %d" % rc)
    check(s.info("#{alternate_on}") == "0", "still on the alternate screen", s.screen())


@case("quit")
def sigterm_restores_the_terminal(ctx):
    s = ctx.session(ctx.guest(PAGING), report_exit=True)
    s.ready()
    os.kill(hvlab_pid(s), signal.SIGTERM)
    rc = exit_status(s)
    check(rc == 128 + signal.SIGTERM, "exit status %d after SIGTERM" % rc)
    check(s.info("#{alternate_on}") == "0", "left on the alternate screen", s.screen())


@case("quit")
def sigint_while_running(ctx):
    s = ctx.session(ctx.guest(DEMAND), report_exit=True)
    s.ready()
    s.keys("r")
    s.wait(re.compile(r"running \d+/s"), "the run")
    os.kill(hvlab_pid(s), signal.SIGINT)
    rc = exit_status(s)
    check(rc == 128 + signal.SIGINT, "exit status %d after SIGINT" % rc)
    check(s.info("#{alternate_on}") == "0", "left on the alternate screen")


def one_line_exit_2(s, *mentions, prefix="hvlab"):
    """hvlab printed one line, exited 2, and never started curses."""
    scr = s.wait(lambda x: "[exit " in x, "hvlab's exit")
    raw = s.screen(escapes=True)
    text = [l for l in lines_of(scr) if l.strip()]
    check(text[-1] == "[exit 2]", "exit status is not 2", scr)
    check(len(text) == 2 and text[0].startswith(prefix), "not one line", scr)
    for m in mentions:
        check(m in text[0], "the message does not name %r" % m, scr)
    check("\x1b[?1049" not in raw and s.info("#{alternate_on}") == "0",
          "curses started", raw)


@case("bad-input")
def bad_file_exit_2(ctx):
    one_line_exit_2(ctx.session("/nonexistent/guest.asm", report_exit=True),
                    "/nonexistent/guest.asm")


@case("bad-input")
def nasm_error_exit_2(ctx):
    g = ctx.guest("tests/cli/guests/syntax_error.asm")
    one_line_exit_2(ctx.session(g, report_exit=True), "syntax_error.asm")


@case("bad-input")
def bad_option_exit_2(ctx):
    one_line_exit_2(ctx.session(ctx.guest(PAGING), "--paging", "bogus", report_exit=True),
                    "bogus")


@case("bad-input")
def no_terminal_exit_2(ctx):
    r = subprocess.run([ctx.hvlab, ctx.guest(PAGING)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2, "exit %d without a terminal" % r.returncode)
    check(len(r.stderr.strip().split("\n")) == 1 and "terminal" in r.stderr,
          "stderr: %r" % r.stderr)
    check(r.stdout == "", "stdout: %r" % r.stdout)


# --- colours -----------------------------------------------------------------

COLOUR_SGR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|4[0-7]|38;5;\d+|48;5;\d+)[;m]")


@case("mono")
def no_color_means_no_colour(ctx):
    s = ctx.session(ctx.guest(PAGING), env={"NO_COLOR": "1"})
    s.ready()
    s.keys("m")
    s.wait(["2 of 2 references", "\u25c600001\u219200001"], "the walk and the fill marker")
    scr = s.screen(escapes=True)
    check(not COLOUR_SGR.search(scr), "colour escapes with NO_COLOR", scr)
    check(re.search(r"\x1b\[[0-9;]*7m", scr), "no reverse video for the marks", scr)


@case("mono")
def monochrome_terminal(ctx):
    s = ctx.session(ctx.guest(PAGING), env={"TERM": "xterm-mono"})
    s.ready()
    s.keys("m", "t")
    s.wait(["2 of 2 references", "monochrome"], "the walk, and no colour scheme, on xterm-mono")
    check(not COLOUR_SGR.search(s.screen(escapes=True)), "colour on xterm-mono")


@case("mono")
def ascii_locale(ctx):
    s = ctx.session(ctx.guest(PAGING), env={"LANG": "C", "LC_ALL": "C"})
    s.ready()
    s.keys("m")
    s.wait(["2 of 2 references", "#00001->00001"], "the walk with ASCII markers in the C locale")


# --- mouse -------------------------------------------------------------------

@case("mouse")
def click_focuses_a_pane(ctx):
    s = ctx.session(ctx.guest(PAGING))
    scr = s.ready()
    row = next(i for i, l in enumerate(lines_of(scr)) if "Walk" in l and "\u250c" in l)
    col = lines_of(scr)[row].index("Walk")
    # X10 mouse report (TERM=screen): ESC [ M, button+32, column+33, row+33.
    s.raw(b"\x1b[M" + bytes([32, 33 + col + 2, 33 + row + 2]))
    s.raw(b"\x1b[M" + bytes([35, 33 + col + 2, 33 + row + 2]))
    s.wait("\u25b6Walk", "the clicked pane is focused")


# --- scenarios ---------------------------------------------------------------

SCENARIO = "scenarios/demand-paging.json"


@case("scenario")
def scenario_steps_checkpoints_and_questions(ctx):
    s = ctx.session(ctx.guest(SCENARIO))
    s.wait(["step 1/6", "A not-present read", "e runs this step"], "step 1's narration")
    s.keys("e")
    s.wait(["Checkpoints (5 of 5 hold)", "\u2713 CR2 holds the faulting address",
            "2 references, stopped: the guest's #PF"],
           "step 1 run: its checkpoints, and the walk that faulted")
    # The step's question, answered by its letter: right, with the explanation.
    s.keys("A", "b", "Enter")
    s.wait(["Not quite", "Bit 0 (P) = 0 means not present"], "a wrong answer explained")
    s.keys("A", "a", "Enter")
    s.wait("\u2713 Right.", "the right answer")
    s.keys("]")
    s.wait(["step 2/6", "The handler maps a frame"], "step 2's narration")
    s.keys("[")
    s.wait(["step 1/6", "Checkpoints (5 of 5 hold)"], "step 1 again, with its results")


@case("scenario")
def scenario_lecture_focus(ctx):
    s = ctx.session(ctx.guest(SCENARIO), "--lecture", w=100, h=30)
    # Step 1 is about the page tables: the lecture layout shows them large.
    s.wait(["lecture", "\u250c \u25b6Guest page tables", "\u250c Narration"],
           "the step's focus pane large in the lecture layout")


@case("scenario")
def scenario_paging_override(ctx):
    s = ctx.session(ctx.guest(SCENARIO), "--paging", "shadow")
    s.wait(["step 1/6", "shadow", "Shadow tables"], "the scenario under shadow paging")
    s.keys("e")
    s.wait("Checkpoints (5 of 5 hold)", "step 1 under shadow paging")


@case("scenario")
def bad_scenario_exit_2(ctx):
    bad = ctx.guest("tests/scenario/bad/bad_paging.json")
    s = ctx.session(bad, report_exit=True)
    # The loader's own FILE:LINE:COL: $.path: message, as `hvlab check`.
    one_line_exit_2(s, "$.machine.paging", prefix=bad)


@case("scenario")
def scenario_refuses_machine_options(ctx):
    s = ctx.session(ctx.guest(SCENARIO), "--ram", "32M", report_exit=True)
    one_line_exit_2(s, "demand-paging.json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hvlab", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("groups", nargs="+")
    a = ap.parse_args()
    if not shutil.which("tmux"):
        print("SKIP: tmux is not installed")
        return 77
    groups = list(GROUPS) if a.groups == ["all"] else a.groups
    failed = 0
    tmp = tempfile.mkdtemp(prefix="hvlab-tui-")
    tm = Tmux(tmp)
    try:
        ctx = Ctx(os.path.abspath(a.hvlab), os.path.abspath(a.source), tm)
        for g in groups:
            for fn in GROUPS[g]:
                name = "%s/%s" % (g, fn.__name__)
                try:
                    fn(ctx)
                    print("ok   " + name)
                except Failure as e:
                    failed += 1
                    print("FAIL %s: %s" % (name, e))
                finally:
                    for sess in tm.tmux("list-sessions", "-F", "#{session_name}",
                                        check=False).stdout.split():
                        tm.tmux("kill-session", "-t", sess, check=False)
    finally:
        tm.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
