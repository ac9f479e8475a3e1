"""Drive JupyterLab in headless Chromium, as a student sees it: for the browser tests.

:class:`LabServer` starts ``jupyter lab --no-browser`` on a free loopback port with a random token, in
a temporary folder that holds *copies* of the notebooks, with its own Jupyter settings, and the kernel
environment offline. :class:`LabPage` drives Debian's Chromium with selenium: open a notebook, run all
cells (JupyterLab's own "Run All Cells" command), wait for the kernel, read what the page shows, press
keys, click, and take screenshots (the notebook scrolled page by page, stitched into one PNG).

The notebook model is read through ``window.jupyterapp`` (``--LabApp.expose_app_in_browser``): its
outputs say which cells raised, whatever the page has scrolled out of view.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars")
WINDOW = (1280, 1400)  # CSS pixels; screenshots stitch the notebook page by page

# JupyterLab's settings for the test server: no news or update checks (no network), every cell kept in
# the page ("windowingMode": "none"), so that the DOM holds every output of a long notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


REPORT: list[str] = []  # lines for the end of the pytest run: where the screenshots are, how long it took


def lab_tool() -> Any:
    """``tools/lab.py``, what ``make lab`` runs: how notebooks are copied for a class, and the lab's options."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lab_tool", Path(__file__).resolve().parents[1] / "tools" / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (one line), or None when selenium and Chromium are present."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for name, path in (("chromium", chromium_path()), ("chromedriver", chromedriver_path())):
        if not path or not os.access(path, os.X_OK):
            return f"no {name} found (apt-get install chromium chromium-driver, or set LESSONKIT_{name.upper()})"
    return None


def chromium_path() -> str | None:
    return os.environ.get("LESSONKIT_CHROMIUM") or shutil.which("chromium")


def chromedriver_path() -> str | None:
    return os.environ.get("LESSONKIT_CHROMEDRIVER") or shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """``jupyter lab`` on 127.0.0.1 serving ``root`` (a temporary folder), with a random token.

    ``kernel_env``: variables set for the server and its kernels (e.g. the offline switches);
    ``drop_env``: variables removed (``MPLBACKEND``: the kernel must draw inline, as for a student);
    ``options``: more command-line options for ``jupyter lab`` (``make lab``'s, from tools/lab.py).
    """

    def __init__(self, root: Path, kernel_env: dict[str, str], drop_env: tuple[str, ...] = ("MPLBACKEND",),
                 options: tuple[str, ...] = ()) -> None:
        self.root = Path(root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        home = self.root / ".lab-home"  # Jupyter's own folders, away from the user's
        settings = home / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {k: v for k, v in os.environ.items() if k not in drop_env}
        env.update(kernel_env)
        env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   IPYTHONDIR=str(home / "ipython"), JUPYTER_PLATFORM_DIRS="1")
        self.log_path = home / "server.log"
        self._log = open(self.log_path, "wb")
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--LabApp.expose_app_in_browser=True",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False", *options]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            command.append("--allow-root")
        self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        self._wait_ready(timeout=90)

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def shutdown_kernels(self) -> None:
        """Stop every kernel (each holds a model in memory) before the next notebook starts its own."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def log_tail(self, n_chars: int = 3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-n_chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the server shuts its kernels down on SIGTERM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def start_chromium(user_data_dir: Path) -> Any:
    """A headless Chromium driven by chromedriver (no Selenium Manager download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver_path()), options=options)
    driver.set_script_timeout(60)
    return driver


# JavaScript run in the page. `panelFor(path)`: the open notebook panel of a file.
PANEL_JS = """
const app = window.jupyterapp;
function panelFor(path) {
  if (!app || !app.shell) return null;  // the page is still loading JupyterLab
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path && widget.content && widget.content.widgets) return widget;
  }
  return null;
}
"""

# The state of a notebook's run: kernel status, cells still running or queued, and each code cell's
# execution count and outputs (type, error name and value, stream name, and a text excerpt).
_STATE_JS = PANEL_JS + """
const panel = panelFor(arguments[0]);
if (!panel || !panel.sessionContext.session || !panel.sessionContext.session.kernel) return null;
const cells = [];
panel.content.widgets.forEach((cell, index) => {
  if (cell.model.type !== 'code') return;
  const outputs = cell.model.outputs.toJSON().map(o => ({
    type: o.output_type, ename: o.ename || null, evalue: o.evalue || null, name: o.name || null,
    mimes: o.data ? Object.keys(o.data) : [],
    text: String(o.text || (o.data && o.data['text/plain']) || (o.traceback || []).join('\\n')).slice(0, 3000)}));
  const prompt = cell.node.querySelector('.jp-InputPrompt');
  cells.push({index, count: cell.model.executionCount, prompt: prompt ? prompt.textContent.trim() : '',
              source: cell.model.sharedModel.getSource().slice(0, 200), outputs});
});
return {kernel: panel.sessionContext.session.kernel.status, cells};
"""


class LabPage:
    """One Chromium tab on a :class:`LabServer`."""

    def __init__(self, driver: Any, server: LabServer) -> None:
        self.driver, self.server = driver, server

    # ---------------------------------------------------------------- notebooks

    def open_notebook(self, path: str, workspace: str, timeout: float = 90) -> None:
        """Open ``path`` (relative to the server's root) in a fresh JupyterLab workspace; wait for its kernel."""
        self.driver.get(f"{self.server.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.server.token}")
        self.wait_for(lambda: self.driver.execute_script(
            PANEL_JS + "const p = panelFor(arguments[0]); return !!(p && p.sessionContext.session"
                        " && p.sessionContext.session.kernel && p.sessionContext.session.kernel.status === 'idle'"
                        " && p.content.widgets.length > 0);", path),
            timeout, f"{path} did not open with an idle kernel")

    def run_all(self, path: str) -> None:
        """JupyterLab's "Run > Run All Cells" on the notebook ``path``."""
        self.driver.execute_script(PANEL_JS + """
            const panel = panelFor(arguments[0]);
            app.shell.activateById(panel.id);
            app.shell.collapseLeft();  // the file browser off: the notebook gets the window's width
            app.commands.execute('notebook:run-all-cells');""", path)

    def state(self, path: str) -> dict | None:
        return self.driver.execute_script(_STATE_JS, path)

    def wait_until_done(self, path: str, timeout: float) -> dict:
        """Wait until no cell is running or queued and the kernel is idle (twice in a row); the final state."""
        deadline = time.monotonic() + timeout
        quiet_polls, state = 0, None
        while time.monotonic() < deadline:
            state = self.state(path)
            busy = state is None or state["kernel"] != "idle" or any("*" in c["prompt"] for c in state["cells"])
            quiet_polls = 0 if busy else quiet_polls + 1
            if quiet_polls >= 2:
                return state
            time.sleep(1.0)
        running = [c for c in (state or {}).get("cells", []) if "*" in c["prompt"]]
        where = f"cell {running[0]['index']}: {running[0]['source'][:80]!r}" if running else "?"
        raise TimeoutError(f"{path}: still running after {timeout:.0f} s ({where})")

    # ---------------------------------------------------------------- waiting, finding, screenshots

    def wait_for(self, condition: Callable[[], Any], timeout: float, message: str, interval: float = 0.25) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{message} (waited {timeout:.0f} s)")
            time.sleep(interval)

    def notebook_node(self, path: str) -> Any:
        return self.driver.execute_script(PANEL_JS + "return panelFor(arguments[0]).content.node;", path)

    def notebook_scroller(self, path: str) -> Any:
        """The element that scrolls the notebook (JupyterLab 4: ``.jp-WindowedPanel-outer``)."""
        return self.driver.execute_script(PANEL_JS + """
            const node = panelFor(arguments[0]).content.node;
            return node.querySelector('.jp-WindowedPanel-outer') || node;""", path)

    def screenshot_notebook(self, path: str, target: Path) -> Path:
        """The whole notebook as one PNG: scroll its panel page by page and stitch the views."""
        from PIL import Image

        scroller = self.notebook_scroller(path)
        ratio = self.driver.execute_script("return window.devicePixelRatio || 1;")
        left, top, width, height = self.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", scroller)
        total = self.driver.execute_script("return arguments[0].scrollHeight;", scroller)
        total = min(total, 60000)  # a runaway output must not make a gigapixel image
        sheet = Image.new("RGB", (round(width * ratio), round(total * ratio)), "white")
        offset = 0
        while True:
            self.driver.execute_script("arguments[0].scrollTop = arguments[1];", scroller, offset)
            time.sleep(0.15)
            shown = self.driver.execute_script("return arguments[0].scrollTop;", scroller)
            view = Image.open(io.BytesIO(self.driver.get_screenshot_as_png()))
            box = [round(v * ratio) for v in (left, top, left + width, top + height)]
            sheet.paste(view.crop(box), (0, round(shown * ratio)))
            if shown + height >= total or shown < offset:  # the bottom, or it would not scroll further
                break
            offset = shown + height
        self.driver.execute_script("arguments[0].scrollTop = 0;", scroller)
        from PIL import ImageChops

        drawn = ImageChops.difference(sheet, Image.new("RGB", sheet.size, "white")).getbbox()
        if drawn:  # JupyterLab leaves empty room below the last cell: cut it off
            sheet = sheet.crop((0, 0, sheet.width, min(sheet.height, drawn[3] + 20)))
        target.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(target)
        return target

    def screenshot_element(self, element: Any, target: Path) -> Path:
        """The browser window with ``element`` scrolled to its top."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", element)
        time.sleep(0.3)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(target))
        return target
