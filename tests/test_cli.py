"""The `skillatlas` command: demo loading, listing, and one red line with exit code 2 on bad input."""

from __future__ import annotations

from typer.testing import CliRunner

from skillatlas.cli import app

runner = CliRunner()


def test_demo_then_listing(cli_env: dict[str, str]) -> None:
    loaded = runner.invoke(app, ["demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "4 committees" in loaded.output and "6 groups" in loaded.output
    again = runner.invoke(app, ["demo"])
    assert "nothing new" in again.output
    listing = runner.invoke(app, ["alliance", "organisations", "--json"])
    assert '"slug": "tu-graz"' in listing.output


def test_bad_input_is_one_line_and_exit_code_2(cli_env: dict[str, str]) -> None:
    runner.invoke(app, ["demo"])
    cases = [
        ["alliance", "add-organisation", "--name", "X", "--type", "industry", "--country", "XX"],
        ["alliance", "add-organisation", "--name", "ACEA", "--type", "industry", "--country", "BE"],
        ["alliance", "add-event", "--name", "E", "--starts-on", "2030-01-02", "--ends-on", "2030-01-01", "--mode", "online"],
        ["alliance", "register", "tie-2024", "--name", "A", "--email", "a@example.org"],
        ["alliance", "add-event", "--name", "E", "--starts-on", "2030-01-01", "--ends-on", "2030-01-01",
         "--mode", "online", "--group", "nope"],
    ]  # fmt: skip
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().startswith("error:"), result.output
        assert len(result.output.strip().splitlines()) == 1 or "Traceback" not in result.output


def test_register_twice_from_the_cli(cli_env: dict[str, str]) -> None:
    runner.invoke(app, ["demo"])
    first = runner.invoke(app, ["alliance", "register", "innovation-agent-training-day-2027", "--name", "A",
                                "--email", "a@example.org"])  # fmt: skip
    assert first.exit_code == 0 and "registered" in first.output
    second = runner.invoke(app, ["alliance", "register", "innovation-agent-training-day-2027", "--name", "A",
                                 "--email", "a@example.org"])  # fmt: skip
    assert second.exit_code == 2 and "already registered" in second.output


def test_synthetic_population_is_added_once_per_seed(cli_env: dict[str, str]) -> None:
    first = runner.invoke(app, ["demo", "--people", "500", "--seed", "7"])
    assert first.exit_code == 0 and "added 500 persons" in first.output
    again = runner.invoke(app, ["demo", "--people", "500", "--seed", "7"])
    assert again.exit_code == 2 and "seed 7 is already loaded" in again.output
