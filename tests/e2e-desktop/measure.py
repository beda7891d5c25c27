#!/usr/bin/env python3
"""Start-up time, idle memory and installer size of the desktop app, on the OS it runs on.

Usage: measure.py APP_BINARY [INSTALLER ...]   (needs psutil; on Linux a display, see ./measure)

Starts the app five times on a fresh profile. Each time it reads the app's own "first screen
after N ms" line (KIZUNA_STARTUP_PROBE=1: the window has drawn the set-up screen), waits 10 s and
adds up the memory of the app and its web view's processes: on Linux and Windows they are its
children (WebKitGTK, WebView2); on macOS WKWebView's processes belong to launchd, so the
com.apple.WebKit processes started since the app are counted. PSS where the OS has it (Linux),
else USS: what the app costs the machine, shared libraries not counted once per process.
Prints a Markdown table (appended to $GITHUB_STEP_SUMMARY when set).
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psutil

RUNS = 5
IDLE_SECONDS = 10


def own_memory(p: psutil.Process) -> int:
    info = p.memory_full_info()
    return getattr(info, "pss", None) or info.uss


def web_view_processes(app: psutil.Process, since: float) -> list:
    found = app.children(recursive=True)
    if sys.platform == "darwin":
        for p in psutil.process_iter(["name", "create_time"]):
            name = p.info["name"] or ""
            if name.startswith("com.apple.WebKit") and p.info["create_time"] >= since - 1:
                found.append(p)
    return found


def one_run() -> tuple:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, KIZUNA_STARTUP_PROBE="1", KIZUNA_PROFILE=os.path.join(home, "profile"),
                   KIZUNA_LOG_DIR=os.path.join(home, "logs"), KIZUNA_UPDATE_URL="")
        started = time.time()
        app = subprocess.Popen([sys.argv[1]], env=env, stderr=subprocess.PIPE, text=True, errors="replace")
        first = []

        def read():
            for line in app.stderr:
                m = re.search(r"first screen after (\d+) ms", line)
                if m and not first:
                    first.append(int(m.group(1)))

        threading.Thread(target=read, daemon=True).start()
        time.sleep(IDLE_SECONDS)
        proc = psutil.Process(app.pid)
        total = 0
        for p in [proc, *web_view_processes(proc, started)]:
            try:
                total += own_memory(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        for p in [*proc.children(recursive=True), proc]:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        app.wait(timeout=30)
        return (first[0] if first else None), total / 2**20


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = [one_run() for _ in range(RUNS)]
    starts = [s for s, _ in runs if s is not None]
    lines = [
        f"### Kizuna desktop on {sys.platform} ({os.cpu_count()} cores)",
        "",
        "| what | value |",
        "|---|---|",
        f"| first screen, median of {RUNS} (first run cold) | "
        + (f"{statistics.median(starts):.0f} ms (first {runs[0][0]} ms)" if starts else "not seen")
        + " |",
        f"| idle memory after {IDLE_SECONDS} s, median (app + web view) | "
        f"{statistics.median(m for _, m in runs):.0f} MB |",
    ]
    for path in sys.argv[2:]:
        lines.append(f"| installer {os.path.basename(path)} | {os.path.getsize(path) / 2**20:.1f} MB |")
    text = "\n".join(lines) + "\n"
    print(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
