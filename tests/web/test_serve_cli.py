"""``wholepop serve``: safe by default (localhost only; a token for any other address)."""

from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.fixture
def served(monkeypatch):
    """Capture what uvicorn would have been asked to serve, instead of serving it."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.delenv("WHOLEPOP_TOKEN", raising=False)
    return calls


def test_binds_localhost_by_default(served, folder, capsys):
    assert run_cli(["serve", "--data", str(folder)]) == 0
    (app, kw), = served
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8050
    assert "http://127.0.0.1:8050/p/small-mcp/settle" in capsys.readouterr().out
    assert app.state.config.token is None and app.state.config.restricted is False
    assert app.state.config.local_only is True


def test_another_host_needs_a_token(served, capsys):
    assert run_cli(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0: listening beyond this machine needs a token" in err and "Traceback" not in err
    assert served == []


def test_token_from_the_environment(served, monkeypatch, capsys):
    monkeypatch.setenv("WHOLEPOP_TOKEN", "from-env")
    assert run_cli(["serve", "--host", "0.0.0.0", "--port", "9000"]) == 0
    (app, kw), = served
    assert kw["host"] == "0.0.0.0" and app.state.config.token == "from-env"
    assert app.state.config.local_only is False
    assert "?token=from-env" in capsys.readouterr().out


def test_a_missing_data_folder_is_the_clis_error(served, tmp_path, capsys):
    assert run_cli(["serve", "--data", str(tmp_path / "none")]) == 2
    assert f"--data: {tmp_path / 'none'} is not a folder" in capsys.readouterr().err
    assert served == []


def test_restricted_is_stamped(served, capsys):
    assert run_cli(["serve", "--restricted"]) == 0
    (app, _), = served
    assert app.state.config.restricted is True
    assert "RESTRICTED" in capsys.readouterr().out
