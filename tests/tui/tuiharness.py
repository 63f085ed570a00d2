"""The tmux harness of the TUI tests (test_tui.py): a tmux server of
our own, sessions running one hvlab each, screens waited for.

The server runs on a private socket under a private TMUX_TMPDIR, started
in the foreground (-D): no daemon is left behind, and it works where
daemon() cannot (a /dev/null that is not a device).
"""
import os
import re
import shlex
import subprocess
import time

GROUPS = {}


def case(group):
    def deco(fn):
        GROUPS.setdefault(group, []).append(fn)
        return fn
    return deco


class Failure(Exception):
    pass


def check(cond, msg, screen=None):
    if not cond:
        raise Failure(msg + ("\n--- screen ---\n" + screen if screen is not None else ""))


class Tmux:
    """A tmux server of our own; sessions run one hvlab each."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.env = dict(os.environ, TMUX_TMPDIR=tmp)
        self.env.pop("TMUX", None)
        conf = os.path.join(tmp, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g status off\n"
                    "set -g remain-on-exit on\n"
                    "set -g default-terminal screen\n"
                    "set -g history-limit 100\n"
                    "set -g exit-empty off\n")
        self.base = ["tmux", "-L", "hvlab-tui", "-f", conf]
        self.server = subprocess.Popen(self.base + ["-D"], env=self.env,
                                       stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = self.tmux("list-sessions", check=False)
            if "no server" not in r.stderr and "error connecting" not in r.stderr:
                return
            time.sleep(0.02)
        raise RuntimeError("tmux server did not start")

    def tmux(self, *args, check=True):
        r = subprocess.run(self.base + list(args), env=self.env, text=True,
                           capture_output=True, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise Failure("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
        return r

    def close(self):
        self.tmux("kill-server", check=False)
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()


class Session:
    counter = 0

    def __init__(self, ctx, args, w=160, h=48, env=None, report_exit=False):
        """report_exit: a shell stays after hvlab and prints its status, so
        a fast exit cannot race tmux's reading of the pane."""
        Session.counter += 1
        self.ctx, self.w, self.h = ctx, w, h
        self.report_exit = report_exit
        self.name = "s%d" % Session.counter
        e = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        e.update(env or {})
        assigns = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in e.items())
        cmd = "env %s %s %s" % (assigns, shlex.quote(ctx.hvlab),
                                " ".join(shlex.quote(a) for a in args))
        cmd = cmd + "; echo \"[exit $?]\"; exec sleep 600" if report_exit else "exec " + cmd
        ctx.tmux.tmux("new-session", "-d", "-s", self.name, "-x", str(w),
                      "-y", str(h), cmd)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.insert(1, "-e")
        out = self.ctx.tmux.tmux(*args).stdout
        # remain-on-exit's own line is tmux's, not hvlab's.
        return "\n".join(l for l in out.split("\n") if not l.startswith("Pane is dead"))

    def keys(self, *keys):
        for k in keys:
            self.ctx.tmux.tmux("send-keys", "-t", self.name, k)

    def raw(self, data):
        self.ctx.tmux.tmux("send-keys", "-t", self.name, "-H",
                           *["%02x" % b for b in data])

    def info(self, fmt):
        return self.ctx.tmux.tmux("display-message", "-p", "-t", self.name, fmt).stdout.strip()

    def wait(self, cond, what, timeout=20):
        """Polls the screen until cond holds: a function of the screen, a
        text, a compiled regex, or a list of those (all must hold). tmux
        may show a frame half drawn, so every expectation of a screen is
        waited for, not checked once."""
        if not callable(cond):
            conds = cond if isinstance(cond, list) else [cond]

            def cond(s, conds=conds):
                return all(c.search(s) if hasattr(c, "search") else
                           c(s) if callable(c) else c in s for c in conds)
        deadline = time.time() + timeout
        s = ""
        while time.time() < deadline:
            s = self.screen()
            if cond(s):
                return s
            if self.dead():
                s = self.screen()
                if cond(s):
                    return s
                raise Failure("hvlab exited (status %s) while waiting for %s\n--- screen ---\n%s"
                              % (self.info("#{pane_dead_status}"), what, s))
            time.sleep(0.03)
        raise Failure("timed out waiting for %s\n--- screen ---\n%s" % (what, s))

    def ready(self):
        return self.wait(lambda s: "Code" in s and "paused" in s, "the first screen")

    def hvlab_pid(self):
        """hvlab's pid: the pane's own process, or its child when a shell
        runs it (report_exit)."""
        pid = int(self.info("#{pane_pid}"))
        if not self.report_exit:
            return pid
        for _ in range(100):
            try:
                with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.02)
        raise Failure("no hvlab process under the pane's shell")

    def dead(self):
        return self.info("#{pane_dead}") == "1"

    def kill(self):
        self.ctx.tmux.tmux("kill-session", "-t", self.name, check=False)


class Ctx:
    def __init__(self, hvlab, source, tmux):
        self.hvlab, self.source, self.tmux = hvlab, source, tmux

    def guest(self, rel):
        return os.path.join(self.source, rel)

    def session(self, *args, **kw):
        return Session(self, list(args), **kw)
