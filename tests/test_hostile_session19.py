"""Hostile tests of session 19 (smalls): each states a behaviour that a bug found in that
session broke (bad input exits 2 with ``file:line: field: message`` and loses nothing)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from textwrap import dedent

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble.summary import summarize_runs

ROOT = Path(__file__).resolve().parents[1]
cli = CliRunner()

TINY = "name: tiny\ndays: 5\nreplications: 2\n"


def toy_morris(tmp_path: Path) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(
        dedent(
            """\
            name: toy
            model: sweep_functions:toy
            design: {method: morris, samples: 2, levels: 4}
            replications: 1
            seed: 11
            parameters:
              - {path: x, bounds: [0, 1]}
              - {path: y, bounds: [0, 1]}
            """
        )
    )
    return path


def out_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command with an output folder, each as far as its ``--out`` (appended)."""
    (tmp_path / "a.yaml").write_text(TINY)
    (tmp_path / "b.yaml").write_text(TINY.replace("tiny", "other"))
    spec = str(toy_morris(tmp_path))
    (tmp_path / "results").mkdir()
    return {
        "run": ["run", str(tmp_path / "a.yaml"), "-w", "1"],
        "sweep": ["sweep", spec, "--allow-code", "-w", "1"],
        "sensitivity": ["sensitivity", spec, "--allow-code", "-w", "1"],
        "compare": ["compare", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-w", "1"],
        "discover": ["discover", str(tmp_path / "results"), "--outcome", "incumbent_holds"],
        "fit": ["fit", str(ROOT / "experiments" / "fit" / "library.yaml"), "-w", "1"],
        "backtest": ["backtest", str(ROOT / "scenarios" / "cases"), "--loo", "--posterior", "p"],
    }


@pytest.mark.parametrize(
    "command", ["run", "sweep", "sensitivity", "compare", "discover", "fit", "backtest"]
)
@pytest.mark.parametrize("under", [False, True])
def test_an_out_that_is_a_file_is_refused_as_an_option_error(
    tmp_path: Path, command: str, under: bool
) -> None:
    """``--out FILE`` (or a folder under a file) is refused by every command before any work,
    as the other option errors are: exit 2, ``OUT: --out: message``, the JSON error locating
    it, the file untouched and nothing written beside it. It said "output path ... exists and is
    not a directory" with no field, or "FILE: not a folder" (fit), each its own way."""
    args = out_commands(tmp_path)[command]
    target = tmp_path / "a-file"
    target.write_text("keep me\n")
    out = target / "sub" if under else target
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors and errors[0].startswith(f"error: {out}: --out: "), result.stderr
    assert "not a directory" in errors[0]
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(out), "--out")
    assert "Traceback" not in result.output
    assert target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_link_to_a_file_is_left_to_the_store_under_force(tmp_path: Path) -> None:
    """With ``--force``, an ``--out`` that is a link to a file is the store's to replace (the
    link, never its target), as before: only without it is the link refused up front."""
    from transition_sim.cli.errors import CliError, refuse_file_out

    target = tmp_path / "a-file"
    target.write_text("keep me\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(CliError) as refused:
        refuse_file_out(link)
    assert (refused.value.file, refused.value.field) == (str(link), "--out")
    refuse_file_out(link, force=True)


# --- summaries of runs tables with columns that are not numbers -------------------------------


def runs_with(column: str, values: list) -> pd.DataFrame:
    n = len(values)
    outcomes = ["incumbent_holds", "popular_transition"] * n
    return pd.DataFrame(
        {
            "replication": range(n),
            "seed": range(10, 10 + n),
            "outcome": outcomes[:n],
            "deaths": np.arange(n, dtype="float64"),
            column: values,
        }
    )


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("started", [dt.datetime(2022, 1, d) for d in (2, 3, 4)]),
        ("started", [dt.datetime(2022, 1, 2), None, dt.datetime(2022, 1, 4)]),
        ("lasted", [dt.timedelta(days=d) for d in (1, 2, 3)]),
        ("regime", ["a", "b", None]),
    ],
)
def test_a_column_that_is_not_numbers_is_left_out_alike_from_arrow_and_pandas(
    column: str, values: list
) -> None:
    """A runs table with a timestamp (or duration, or text) column summarizes the same from
    Arrow and from pandas, that column left out of the metrics and the numbers kept. Arrow
    raised TypeError (a datetime is no float); pandas took quantiles of nanoseconds, with NaT
    the smallest integer."""
    frame = runs_with(column, values)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    from_arrow = summarize_runs(arrow, "s", 1)
    from_pandas = summarize_runs(frame, "s", 1)
    assert json.dumps(from_arrow) == json.dumps(from_pandas)
    assert list(from_arrow["metrics"]) == ["deaths"]
    assert from_arrow["metrics"]["deaths"]["n"] == 3


# --- integers past what a scenario file takes -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["run", "{tiny}", "-w", "1", "--seed"], "--seed"),
        (["run", "{tiny}", "-w", "1", "-n"], "--replications"),
        (["compare", "{tiny}", "{other}", "-w", "1", "--seed"], "--seed"),
        (["compare", "{tiny}", "{other}", "-w", "1", "-n"], "--replications"),
        (["backtest", "{empty}", "--seed"], "--seed"),
        (["check-claims", "--claims", "{missing}", "--seed"], "--seed"),
    ],
)
def test_a_seed_or_count_a_scenario_file_refuses_is_refused_as_an_option(
    tmp_path: Path, args: list[str], field: str
) -> None:
    """``--seed`` and ``-n`` above 2^53 are refused (exit 2, the option named) as the same
    numbers are in a scenario file: ``run --seed 99999999999999999999999 --out DIR`` ran and
    wrote a scenario.resolved.yaml that does not load again (seed: number too large)."""
    (tmp_path / "a.yaml").write_text(TINY)
    (tmp_path / "b.yaml").write_text(TINY.replace("tiny", "other"))
    (tmp_path / "empty").mkdir()
    paths = {
        "{tiny}": str(tmp_path / "a.yaml"),
        "{other}": str(tmp_path / "b.yaml"),
        "{empty}": str(tmp_path / "empty"),
        "{missing}": str(tmp_path / "missing.yaml"),
    }
    (tmp_path / "a-file").write_text("")  # without the limit: refused, not run for ever
    out = ["--out", str(tmp_path / "a-file")] if args[0] in ("run", "compare") else []
    argv = [paths.get(a, a) for a in args] + [str(2**53 + 1), *out, "--json"]
    result = cli.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["field"] == field
    assert "Traceback" not in result.output


# --- run --priors FILE ---------------------------------------------------------------------


def priors_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "priors.yaml"
    if kind == "folder":
        path.mkdir()
    elif kind == "bytes":
        path.write_bytes(b"\xff\xfe assumptions: []\n")
    elif kind == "empty":
        path.write_text("")
    elif kind == "no priors":
        path.write_text("assumptions: []\n")
    elif kind == "pipe":
        os.mkfifo(path)  # nobody writes: a blocking read waits for ever
    return path


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["missing", "folder", "bytes", "empty", "no priors", "pipe"])
def test_a_priors_file_that_cannot_be_drawn_from_is_an_option_error(
    tmp_path: Path, kind: str
) -> None:
    """``run --uncertainty prior --priors FILE`` with a file that is missing, a folder, not
    UTF-8, empty, without a prior, or a pipe exits 2 with ``FILE: --priors: message``, before
    any run. Bytes ended in an internal error (exit 1, UnicodeDecodeError), a pipe hung the
    run, an empty registry ran "drawn from 0 priors", and the others named no option."""
    if kind == "pipe" and not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs")
    scenario = tmp_path / "a.yaml"
    scenario.write_text(TINY)
    priors = priors_file(tmp_path, kind)
    args = ["run", str(scenario), "-w", "1", "--uncertainty", "prior", "--priors", str(priors)]
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    assert f"error: {priors}: --priors: " in result.stderr, result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(priors), "--priors")


# --- --posterior PATH that is not a posterior ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("run", "not parquet"),
        ("run", "folder without one"),
        ("backtest", "not parquet"),
        ("backtest", "folder without one"),
        # check-claims reads it by run's function (`posterior_uncertainty`); seconds to reach
    ],
)
def test_a_posterior_option_that_is_not_one_names_the_option(
    tmp_path: Path, command: str, kind: str
) -> None:
    """``--posterior PATH`` that cannot be read (not Parquet, a folder without
    posterior.parquet) is ``PATH: --posterior: message`` (exit 2), as the other option errors
    are; it was the message alone, with no field."""
    path = tmp_path / "posterior"
    if kind == "not parquet":
        path.write_text("particle,weight\n")
    else:
        path.mkdir()
    scenario = tmp_path / "a.yaml"
    scenario.write_text(TINY)
    args = {
        "run": ["run", str(scenario), "-w", "1"],
        "backtest": ["backtest", str(ROOT / "scenarios" / "cases"), "--loo"],
    }[command]
    result = cli.invoke(app, [*args, "--posterior", str(path), "--json"])
    assert result.exit_code == 2, result.output
    assert f"error: {path}: --posterior: " in result.stderr, result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(path), "--posterior")


def test_fit_refuses_a_folder_that_holds_no_earlier_fit(tmp_path: Path) -> None:
    """``fit --out DIR`` with a folder of other files (here a run's results) is refused before
    the fit (exit 2, ``DIR: --out:``): the fit wrote its report.html over the run's and its
    files beside the others. (The spec here is missing: without the check, that error came
    first, so this states the order too.)"""
    folder = tmp_path / "run-results"
    folder.mkdir()
    (folder / "report.html").write_text("the run's report\n")
    (folder / "manifest.json").write_text("{}\n")
    result = cli.invoke(app, ["fit", str(tmp_path / "no-spec.yaml"), "--out", str(folder)])
    assert result.exit_code == 2, result.output
    assert f"error: {folder}: --out: " in result.stderr, result.stderr
    assert (folder / "report.html").read_text() == "the run's report\n"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "report.html"]


def test_fit_may_replace_an_earlier_fit_or_fill_an_empty_folder(tmp_path: Path) -> None:
    """An earlier fit's folder (it has posterior.parquet) with --force (session 21: without it,
    tests/test_fit_folder.py), or an empty one, is not refused: the error is then the missing
    spec's."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "posterior.parquet").write_text("")
    (earlier / "fit.log").write_text("")
    (tmp_path / "empty").mkdir()
    for folder, more in ((earlier, ["--force"]), (tmp_path / "empty", [])):
        args = ["fit", str(tmp_path / "no-spec.yaml"), "--out", str(folder), *more]
        result = cli.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "--out" not in result.stderr and "no-spec.yaml" in result.stderr, result.stderr


@pytest.mark.parametrize("where", ["a folder", "under a file", "in a missing folder"])
def test_report_out_that_cannot_be_the_report_file_is_bad_input(tmp_path: Path, where: str):
    """``report DIR --out PATH`` where PATH is a folder, or sits under a file or in a missing
    folder, exits 2 with ``PATH: --out: message`` before the report is made; it was exit 1
    with the system's message ("[Errno 21] Is a directory: '.x.tmp' -> 'x'")."""
    (tmp_path / "a-file").write_text("")
    (tmp_path / "folder").mkdir()
    out = {
        "a folder": tmp_path / "folder",
        "under a file": tmp_path / "a-file" / "report.html",
        "in a missing folder": tmp_path / "missing" / "report.html",
    }[where]
    result = cli.invoke(app, ["report", str(tmp_path / "results"), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"error: {out}: --out: " in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "folder"]


@pytest.mark.parametrize(
    ("option", "path"),
    [
        ("--results", "a-file"),
        ("--scenarios", "a-file"),
        ("--workdir", "a-file"),
        ("--workdir", "a-file/sub"),
    ],
)
def test_dashboard_folder_options_given_a_file_are_option_errors(
    tmp_path: Path, option: str, path: str
) -> None:
    """``dashboard --results/--scenarios/--workdir FILE`` exits 2 with ``FILE: OPTION:``
    before the app is made: --results and --scenarios said "no such folder" of a file that
    exists, --workdir ended in a system error (exit 1, NotADirectoryError) after the import."""
    (tmp_path / "a-file").write_text("keep me\n")
    given = tmp_path / path
    result = cli.invoke(app, ["dashboard", option, str(given), "--port", "1"])
    assert result.exit_code == 2, result.output
    assert f"error: {given}: {option}: " in result.stderr, result.stderr
    assert "no such folder" not in result.stderr
    assert (tmp_path / "a-file").read_text() == "keep me\n"


# --- YAML values PyYAML's constructor fails on --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("2022-02-30", "start_date"),  # a date's form, no date: the field refuses the text
        ("2022-13-01", "start_date"),
        ("2022-01-01T25:00:00", "start_date"),
        ("!!timestamp soon", "start_date"),
        ("!!int many", None),  # an explicit tag it cannot read: invalid YAML at the line
        ("!!float much", None),
        ("!!bool maybe", None),
    ],
)
def test_a_value_yaml_cannot_construct_is_located_not_an_internal_error(
    tmp_path: Path, value: str, field: str | None
) -> None:
    """A scenario value PyYAML fails to construct (a 30th of February, ``!!int many``) is a
    located error (exit 2 at its line, the field where it has one); it was an internal error
    (exit 1: ValueError, KeyError or AttributeError from the constructor)."""
    from transition_sim.scenario import ScenarioError, load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\ndays: 5\nstart_date: {value}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert (err.value.line, err.value.field) == (3, field), str(err.value)
    result = cli.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}:3: "), result.stderr


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "fit", "backtest"])
def test_a_scheduler_that_is_no_address_is_an_option_error(tmp_path: Path, command: str) -> None:
    """``--scheduler 'not an address'`` exits 2 naming the option, before any work; it was an
    internal error (exit 1, Dask's ValueError "missing port number") once the run had begun."""
    args = out_commands(tmp_path)[command] + ["--out", str(tmp_path / "out")]
    result = cli.invoke(app, [*args, "--scheduler", "not an address", "--json"])
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["field"] == "--scheduler"
    assert "error: --scheduler: " in result.stderr, result.stderr


def test_a_scheduler_variable_that_is_no_address_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same address in $DASK_SCHEDULER_ADDRESS (the default of --scheduler) is refused
    naming the variable."""
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "nowhere")
    args = out_commands(tmp_path)["run"]
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["field"] == "$DASK_SCHEDULER_ADDRESS"


# --- posterior files ------------------------------------------------------------------------


def spoiled_posterior(tmp_path: Path, spoil: str) -> Path:
    """A three-particle posterior (prior draws) with one thing wrong in its table."""
    import pyarrow.parquet as pq
    from posterior_files import prior_draws_posterior

    folder = prior_draws_posterior(tmp_path / "fit", 3)
    file = folder / "posterior.parquet"
    table = pq.read_table(file)
    meta = table.schema.metadata
    if spoil == "null weight":
        table = table.set_column(1, "weight", pa.array([None, 1.0, 1.0], pa.float64()))
    elif spoil == "null particle":
        table = table.set_column(0, "particle", pa.array([None, 1, 2], pa.int64()))
    elif spoil == "column twice":
        table = table.append_column(table.column_names[2], table.column(2))
    elif spoil == "weights whose sum overflows":
        table = table.set_column(1, "weight", pa.array([1e308] * 3))
    pq.write_table(table.replace_schema_metadata(meta), file)
    return folder


@pytest.mark.parametrize(
    "spoil", ["null weight", "null particle", "column twice", "weights whose sum overflows"]
)
def test_a_posterior_table_with_a_hole_is_a_posterior_error(tmp_path: Path, spoil: str) -> None:
    """A posterior with a null weight or particle, a column twice, or finite weights whose sum
    is infinite is a `PosteriorError` (exit 2 where a command reads it). The first three were
    TypeError or KeyError (an internal error, exit 1); the last read as weights all 0."""
    from transition_sim.scenario.posterior import PosteriorError, read_posterior

    folder = spoiled_posterior(tmp_path, spoil)
    with pytest.raises(PosteriorError):
        read_posterior(folder)
    scenario = tmp_path / "a.yaml"
    scenario.write_text(TINY)
    result = cli.invoke(app, ["run", str(scenario), "-w", "1", "--posterior", str(folder)])
    assert result.exit_code == 2, result.output
    assert f"error: {folder}: --posterior: " in result.stderr, result.stderr


def test_check_claims_unknown_only_names_the_registry_and_option(tmp_path: Path) -> None:
    """``check-claims --only NOPE``: ``REGISTRY: --only: unknown claim id`` (exit 2); it was
    the message alone."""
    registry = tmp_path / "claims.yaml"
    registry.write_text("claims: []\n")
    args = ["check-claims", "--claims", str(registry), "--only", "NOPE", "-n", "2"]
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"error: {registry}: --only: unknown claim id 'NOPE'" in result.stderr, result.stderr


@pytest.mark.parametrize("runs", ["removed", "emptied", "not parquet"])
def test_discover_on_a_sweep_folder_without_readable_runs_is_bad_input(
    tmp_path: Path, runs: str
) -> None:
    """``discover DIR`` where DIR's runs/ is gone, empty or holds a file that is no Parquet
    exits 2 naming the folder; it was a system error (FileNotFoundError), an internal error
    (KeyError 'point') or one from Arrow (ArrowInvalid), exit 1."""
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "spec.yaml").write_text(toy_morris(tmp_path).read_text())
    if runs != "removed":
        (folder / "runs").mkdir()
    if runs == "not parquet":
        (folder / "runs" / "part-000000000.parquet").write_text("junk\n")
    result = cli.invoke(app, ["discover", str(folder), "--outcome", "incumbent_holds", "--json"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {folder}: "), result.stderr
    assert json.loads(result.stdout)["error"]["file"] == str(folder)


def test_report_force_on_a_sweep_whose_runs_are_damaged_is_bad_input(tmp_path: Path) -> None:
    """``report DIR --force`` on a sweep folder whose runs part is no Parquet file (changed
    since written: --force reports it anyway) exits 2 naming the folder; it was an internal
    error (ArrowInvalid, exit 1)."""
    folder = tmp_path / "sweep"
    (folder / "runs").mkdir(parents=True)
    (folder / "spec.yaml").write_text(toy_morris(tmp_path).read_text())
    (folder / "runs" / "part-000000000.parquet").write_text("junk\n")
    points = {"point": [0, 1], "x": [0.2, 0.8], "y": [0.5, 0.5], "n": [1, 1]}
    points |= {"share_incumbent_holds": [1.0, 0.0], "share_popular_transition": [0.0, 1.0]}
    pd.DataFrame(points).to_parquet(folder / "points.parquet")
    result = cli.invoke(app, ["report", str(folder), "--force"])
    assert result.exit_code == 2, result.output
    assert f"error: {folder}: cannot read its runs: " in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "a.yaml"],
        ["sweep", "toy.yaml"],
        ["compare", "a.yaml", "b.yaml"],
        ["check-claims"],
        ["fit", "spec.yaml", "--out", "o"],
        ["backtest", "."],
        ["dashboard", "--scenarios", "no-such-folder"],  # without the limit: that error
    ],
)
def test_workers_past_what_a_machine_runs_is_an_option_error(args: list[str]) -> None:
    """``-w 99999999999999999999`` is refused as an option (exit 2, --workers named): sweep,
    compare and check-claims ended in an internal error (OverflowError from the pool's
    semaphore), after a sweep had written its folder."""
    result = cli.invoke(app, [*args, "-w", str(10**20)])
    assert result.exit_code == 2, result.output
    assert "'--workers'" in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "fit", "report"])
def test_an_out_name_the_system_refuses_is_an_option_error(tmp_path: Path, command: str) -> None:
    """An ``--out`` whose name is too long for the file system exits 2 with ``OUT: --out:``
    before any work; it was a system error (exit 1, OSError from a stat in the store)."""
    out = tmp_path / ("x" * 300)
    if command == "report":
        args = ["report", str(tmp_path / "results")]
    else:
        args = out_commands(tmp_path)[command]
    result = cli.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"error: {out}: --out: cannot be used: " in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_an_out_folder_the_store_refuses_names_it_and_the_option(
    tmp_path: Path, command: str
) -> None:
    """An ``--out`` folder that holds other files (refused by the store, not up front) is
    ``PATH: --out: message`` too, with the path as the JSON error's file; it was the store's
    message alone."""
    args = out_commands(tmp_path)[command]
    out = tmp_path / "full"
    out.mkdir()
    (out / "mine.txt").write_text("keep me\n")
    result = cli.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 2, result.output
    assert f"error: {out}: --out: " in result.stderr, result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(out), "--out")
    assert (out / "mine.txt").read_text() == "keep me\n"
