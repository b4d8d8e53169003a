"""Serving: `yuqing web` through the real entry point, its refusal without the secret, and the
console thread `yuqing run` starts beside the scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from yuqing.config.database import create_db_engine
from yuqing.config.errors import ConfigError
from yuqing.config.settings import Settings
from yuqing.web.serve import ConsoleThread, console_secret

from .conftest import SECRET, World
from .test_browser import free_port


def test_yuqing_web_refuses_to_start_without_its_secret(yuqing: Callable[..., object],
                                                        write_config: Callable[..., Path], db_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YQ_CONSOLE_SECRET", raising=False)
    config = write_config(f'[database]\nurl = "{db_url}"\n\n[web]\nsecret_env = "YQ_CONSOLE_SECRET"\n')
    result = yuqing("--config", str(config), "web")
    assert result.code == 2  # type: ignore[attr-defined]
    assert "YQ_CONSOLE_SECRET" in result.err and "not set" in result.err  # type: ignore[attr-defined]


def test_a_short_secret_is_refused_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_WEB_SECRET", "short-secret")
    with pytest.raises(ConfigError, match="too short") as caught:
        console_secret(Settings.model_validate({"web": {}}))
    assert "short-secret" not in str(caught.value)


@pytest.mark.parametrize("workers", [1, 2])
def test_yuqing_web_serves_the_console(workers: int, write_config: Callable[..., Path], db_url: str,
                                       world: World) -> None:
    port = free_port()
    config = write_config(f'[database]\nurl = "{db_url}"\n\n[web]\nlisten = "127.0.0.1:8765"\n')
    env = {**os.environ, "YUQING_WEB_SECRET": SECRET}
    process = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "web",
                                "--listen", f"127.0.0.1:{port}", "--workers", str(workers)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(200):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/incidents", follow_redirects=False)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, process.stderr.read() if process.poll() is not None else "no answer"
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"web console on http://127.0.0.1:{port}/" in process.stdout.read()


def test_the_console_thread_starts_and_stops(world: World, db_url: str) -> None:
    port = free_port()
    web = world.settings.web.model_copy(update={"listen": f"127.0.0.1:{port}"})  # type: ignore[union-attr]
    engine = create_db_engine(db_url)
    console = ConsoleThread(world.settings.model_copy(update={"web": web}), engine, SECRET)
    console.start()
    assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
    console.stop()
    assert not console.thread.is_alive()
    taken = ConsoleThread(world.settings.model_copy(update={"web": web}), engine, SECRET)
    blocker = ConsoleThread(world.settings.model_copy(update={"web": web}), engine, SECRET)
    blocker.start()
    with pytest.raises(ConfigError, match="could not listen"):
        taken.start(timeout=3)
    blocker.stop()
    engine.dispose()


def _wait_for_login(port: int) -> None:
    """Wait up to 30 s for the console's login page on the port (a loaded machine starts slowly)."""
    answer = None
    for _ in range(300):
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/login")
            break
        except httpx.TransportError:
            time.sleep(0.1)
    assert answer is not None and answer.status_code == 200 and "登录" in answer.text


def _service_config(write_config: Callable[..., Path], db_url: str, port: int) -> Path:
    """A configuration with 1 s passes and the console on the port."""
    return write_config(f'[database]\nurl = "{db_url}"\n[service]\npipeline_interval = "1s"\njitter = "0s"\n\n'
                        f'[web]\nlisten = "127.0.0.1:{port}"\n')


def test_yuqing_run_serves_the_console_beside_the_scheduler_and_stops_cleanly(
    write_config: Callable[..., Path], db_url: str, world: World,
) -> None:
    port = free_port()
    config, env = _service_config(write_config, db_url, port), {**os.environ, "YUQING_WEB_SECRET": SECRET}
    process = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_login(port)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, process.stderr.read()[-2000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/login")


def test_yuqing_run_no_web_leaves_the_console_to_yuqing_web(
    write_config: Callable[..., Path], db_url: str, world: World,
) -> None:
    port = free_port()
    config, env = _service_config(write_config, db_url, port), {**os.environ, "YUQING_WEB_SECRET": SECRET}
    service = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run", "--no-web"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    web = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "web"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_login(port)
        time.sleep(1)
        assert service.poll() is None and web.poll() is None  # both up: no clash over the port
    finally:
        for process in (web, service):
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in (web, service)]
    assert codes[1] == 0, service.stderr.read()[-2000:]
