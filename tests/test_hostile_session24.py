"""Session 24's hostile tests: blocks under the registry's priors, the watch view of blocks, and
outputs that cannot be written (closed pipes, full disks, signals while writing)."""

from __future__ import annotations

import sys
from pathlib import Path

from test_hostile_session23 import _with_stdout_broken

ROOT = Path(__file__).parents[1]
GONE = "error: stdout was closed before the output was written (its reader has gone)"


def test_a_table_into_a_closed_pipe_is_an_error_line_too() -> None:
    """`transition-sim claims | head -c0`: rich's Console meets the BrokenPipeError itself and
    raises SystemExit(1) (`Console.on_broken_pipe`), so the group's invoke, which caught only
    a BrokenPipeError, let it exit 1 without a word (the same for `run`'s summary table)."""
    result = _with_stdout_broken([sys.executable, "-m", "transition_sim", "claims"])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [GONE], result.stderr


def test_a_closed_pipe_after_a_run_into_a_folder_still_writes_its_report(tmp_path: Path) -> None:
    """`run --out DIR --json | head -c0`: the summary's write failed after the results were
    saved, and the error left before the report: DIR had no report.html, and stderr did not
    say the results were there (`run ... --json | jq` whose jq quits early, say)."""
    out = tmp_path / "out"
    scenario = ROOT / "scenarios" / "kazakhstan_2022.yaml"
    command = [sys.executable, "-m", "transition_sim", "run", str(scenario), "-n", "2", "-w", "1"]
    result = _with_stdout_broken([*command, "--out", str(out), "--json"])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"results written to {out}" in result.stderr, result.stderr
    assert (out / "report.html").is_file(), result.stderr
    assert result.stderr.rstrip().endswith(GONE), result.stderr


def test_help_into_a_closed_pipe_is_an_error_line_too() -> None:
    """`transition-sim --help | head -c0`: the help is printed while the command line is parsed,
    before any command runs, and click (or rich) turned the BrokenPipeError into a silent
    SystemExit(1)."""
    for args in (["--help"], ["--version"]):
        command = [sys.executable, "-m", "transition_sim", *args]
        result = _with_stdout_broken(command)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr.splitlines() == [GONE], (args, result.stderr)


def test_a_registry_checked_against_the_baseline_names_the_baseline(tmp_path: Path) -> None:
    """`run kz_blocks_1015.yaml --priors claims_blocks1015.yaml` (session 24's blocks registry):
    the registry is checked against the shipped baseline, and the error said "the scenario's
    value 0.1021 is outside [0.3124, 0.4164]" of a scenario whose contagion is 0.3449 (inside):
    the value was the baseline's, not the scenario's the user ran."""
    from transition_sim.claims import BASELINE_PATH, load_priors, prior_problems

    registry = tmp_path / "claims.yaml"
    text = (ROOT / "seeds" / "claims.yaml").read_text(encoding="utf-8")
    old = "crowd.citizen_density: [triangular, 0.6, 0.8]"
    assert old in text
    registry.write_text(text.replace(old, "crowd.citizen_density: [triangular, 0.75, 0.8]"),
                        encoding="utf-8")  # fmt: skip
    problems = [p for p in prior_problems(load_priors(registry)) if "citizen_density" in p.field]
    assert len(problems) == 1, problems
    message = problems[0].message
    assert Path(BASELINE_PATH).name in message, message
    assert "crowd.citizen_density is 0.7 " in message, message


NEITHER = """\
extends: {base}
crowd:
  vision: null
"""


def test_a_scenario_with_the_default_vision_still_draws_its_vision(tmp_path: Path) -> None:
    """A scenario giving neither vision saw 7 cells yet drew neither prior, silently (the
    baseline was refused for it: both priors 'not a single number'): 7 is now its value."""
    from transition_sim.claims import load_priors
    from transition_sim.ensemble.runner import replication_seed
    from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario
    from transition_sim.scenario import load_scenario

    file = tmp_path / "neither.yaml"
    # the crowd of agents (tests/agents_baseline.yaml): since session 26 the baseline is blocks
    file.write_text(NEITHER.format(base=ROOT / "tests" / "agents_baseline.yaml"))
    scenario = load_scenario(file)
    # the file gives neither (it nulls the base's cells): 7 cells, Epstein's
    assert scenario.crowd.vision_people is None and scenario.vision_cells() == 7
    registry = load_priors()
    unc = Uncertainty(registry.priors, registry.coupled, 1, str(registry.file))
    seen = {drawn_scenario(scenario, replication_seed(5, r), unc).vision_cells() for r in range(40)}
    assert len(seen) >= 3, seen  # the cells prior's 5-9 cells, as the baseline's vision 7 draws


SUMMARY_INTERRUPTED = """\
import os, signal, sys, time
import transition_sim.ensemble.summary as summary

def render_summary(s, console):  # a Ctrl-C while the summary is printed (a pager's)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)

summary.render_summary = render_summary
sys.argv = ["transition-sim", "run", sys.argv[1], "-n", "2", "-w", "1", "--out", sys.argv[2]]
from transition_sim.cli import app
app()
"""


def test_a_signal_while_the_summary_is_printed_says_the_results_are_complete(
    tmp_path: Path,
) -> None:
    """`run --out DIR | less`, then Ctrl-C: the results were saved, but the signal came between
    the run's signal block and the report's, and said only "interrupted by SIGINT"."""
    import subprocess

    out = tmp_path / "out"
    scenario = ROOT / "scenarios" / "kazakhstan_2022.yaml"
    command = [sys.executable, "-c", SUMMARY_INTERRUPTED, str(scenario), str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: interrupted by SIGINT while printing the summary; the results are complete in"
        f" {out}",
        f"error: write its report with: transition-sim report {out}",
    ], result.stderr
    assert (out / "summary.json").is_file()


def test_bad_input_with_stdout_and_stderr_gone_is_still_exit_2(tmp_path: Path) -> None:
    """`transition-sim validate missing.yaml 2>&1 | head -c0`: the error line's own write to
    stderr raised BrokenPipeError out of the contract, and the status was 1, not the bad
    input's 2 (`set -o pipefail` scripts read it)."""
    import os
    import subprocess

    missing = tmp_path / "missing.yaml"
    for json_flag in ([], ["--json"]):
        reader, writer = os.pipe()
        os.close(reader)
        try:
            command = [sys.executable, "-m", "transition_sim", "validate", *json_flag]
            result = subprocess.run(
                [*command, str(missing)], stdout=writer, stderr=writer, timeout=120, check=False
            )
        finally:
            os.close(writer)
        assert result.returncode == 2, json_flag


def test_the_dashboard_watches_the_stored_run_of_a_prior_mode_folder(tmp_path: Path) -> None:
    """The watch view re-ran a replication of `run --uncertainty prior --out DIR` at the
    scenario's point values: another run than the stored one (12 of 12 replications of the
    blocks scenario differed, outcome or deaths), which README says it is ("the very run the
    folder holds"), and the note blamed "another model version"."""
    import pandas as pd

    from transition_sim.cli import app
    from transition_sim.dashboard import why_callbacks

    out = tmp_path / "out"
    scenario = ROOT / "experiments" / "session24" / "priors" / "kz_blocks_1015.yaml"
    args = ["run", str(scenario), "-n", "4", "-w", "1", "--uncertainty", "prior"]
    try:
        app([*args, "--out", str(out)], standalone_mode=True)
    except SystemExit as err:
        assert err.code == 0
    runs = pd.read_parquet(out / "runs.parquet").set_index("replication")
    for r in range(4):
        snaps = why_callbacks._snapshots(str(out), r)
        assert snaps.seed == runs.loc[r, "seed"]
        assert snaps.outcome == runs.loc[r, "outcome"], r
        assert snaps.metrics["deaths"] == runs.loc[r, "deaths"], r
        assert snaps.metrics["peak_protesters"] == runs.loc[r, "peak_protesters"], r
    assert why_callbacks._draws(str(out))[1] == ""


def test_the_dashboard_watches_the_stored_run_of_the_baselines_default_run(
    tmp_path: Path,
) -> None:
    """The baseline names a posterior (from_posterior), so its default `run --out` draws each
    replication's parameters from it: the watch view re-ran point values, and 6 of 6 watched
    replications had other deaths than the stored run (one another outcome)."""
    import json

    import pandas as pd

    from transition_sim.cli import app
    from transition_sim.dashboard import why_callbacks

    out = tmp_path / "out"
    # the agents' baseline names the agents' posterior (since session 26 the shipped baseline,
    # blocks, names none: the fit across the library was made with agents)
    scenario = ROOT / "tests" / "agents_baseline.yaml"
    try:
        app(["run", str(scenario), "-n", "3", "-w", "1", "--out", str(out)])
    except SystemExit as err:
        assert err.code == 0
    assert json.loads((out / "manifest.json").read_text())["uncertainty"]["mode"] == "posterior"
    runs = pd.read_parquet(out / "runs.parquet").set_index("replication")
    for r in range(3):
        snaps = why_callbacks._snapshots(str(out), r)
        assert snaps.outcome == runs.loc[r, "outcome"], r
        assert snaps.metrics["deaths"] == runs.loc[r, "deaths"], r
        assert snaps.metrics["detained"] == runs.loc[r, "detained"], r
