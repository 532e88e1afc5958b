"""`streamqoe collector serve` (app/collector_cli.py): flags, and the platform lookup."""

from __future__ import annotations

import argparse

from app import collector_cli


def parse(argv):
    parser = argparse.ArgumentParser()
    collector_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_serve_flags():
    args = parse(["collector", "serve", "--host", "127.0.0.1", "--port", "9999"])
    assert (args.host, args.port, args.no_platform) == ("127.0.0.1", 9999, False)
    assert args.func is collector_cli.run


def test_serve_without_emulator_says_what_to_do(monkeypatch, capsys):
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    assert collector_cli.main(["serve", "--port", "1"]) == 2
    assert "streamqoe platform up" in capsys.readouterr().err


def test_bad_configuration_is_an_exit_code(monkeypatch, capsys):
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:9")
    monkeypatch.setenv("STREAMQOE_CLIENT_IP", "keep")
    assert collector_cli.main(["serve", "--port", "1"]) == 2
    assert "STREAMQOE_CLIENT_IP" in capsys.readouterr().err
