"""Trust (issue 14): specs cannot run foreign code unless asked, resumes and reports detect
tampering and model changes, and folders are used as given or refused before any work."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scenario_files import copy_baseline, write
from test_feasibility import peak_bytes
from test_hostile_scenarios import assert_refused
from test_job import Stop, fake_simulate
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.core import decisions
from transition_sim.core.results import RunResult
from transition_sim.dashboard.workspace import Workspace
from transition_sim.ensemble import store
from transition_sim.ensemble.executors import Interrupted
from transition_sim.ensemble.job import run_to_folder
from transition_sim.scenario import ScenarioError
from transition_sim.scenario.feasibility import estimate_memory
from transition_sim.scenario.schema import Camp, Faction, Power, Scenario
from transition_sim.viz import figures
from transition_sim.viz.results import Results

TESTS = Path(__file__).resolve().parent
BASELINE = TESTS.parent / "scenarios" / "kazakhstan_2022.yaml"
cli = CliRunner()

# Runs the CLI in a fresh interpreter and says which of the named modules got imported.
PROBE = """
import json, sys
from transition_sim.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "imported": [m for m in ("venv", "venv.__main__", "this")
                                             if m in sys.modules]}))
"""


def foreign_spec(tmp_path: Path, model: str) -> Path:
    return write(
        tmp_path / "foreign.yaml",
        f"""
        name: foreign
        model: "{model}"
        design: grid
        replications: 1
        seed: 1
        parameters:
          - {{path: x, values: [0.0]}}
        """,
    )


@pytest.mark.parametrize("model", ["venv.__main__:main", "this:s"])
def test_a_spec_naming_foreign_code_is_refused_before_any_import(
    tmp_path: Path, model: str
) -> None:
    spec = foreign_spec(tmp_path, model)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "sweep", str(spec), "--out", str(work / "out")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *printed, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    assert report == {"code": 2, "imported": []}, (done.stdout, done.stderr)
    assert printed == []  # `this` prints the Zen of Python on import
    assert list(work.iterdir()) == []  # venv's main builds a virtualenv in the working folder
    assert f"{spec}:2: model:" in done.stderr
    assert "--allow-code" in done.stderr


def test_allow_code_runs_a_function_outside_the_registry(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "toy.yaml",
        """
        name: toy
        model: sweep_functions:toy
        design: grid
        replications: 2
        seed: 1
        parameters:
          - {path: x, values: [0.0, 2.0]}
        """,
    )
    out = tmp_path / "out"
    refused = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1"])
    assert refused.exit_code == 2, refused.output
    assert not out.exists()
    ran = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1", "--allow-code"])
    assert ran.exit_code == 0, ran.output


def test_registered_models_and_the_package_own_functions_need_no_flag(tmp_path: Path) -> None:
    for i, model in enumerate(["ishigami", "transition_sim.studies.models:ishigami"]):
        spec = write(
            tmp_path / f"ishigami{i}.yaml",
            f"""
            name: ishigami
            model: {model}
            design: grid
            replications: 1
            seed: 1
            parameters:
              - {{path: x1, values: [0.0, 1.0]}}
            """,
        )
        result = cli.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / f"o{i}"), "-w", "1"])
        assert result.exit_code == 0, result.output


def test_resume_rechecks_the_stored_spec_model(tmp_path: Path) -> None:
    """A folder whose stored spec names foreign code is not imported on --resume."""
    spec = write(
        tmp_path / "ishigami.yaml",
        """
        name: ishigami
        model: ishigami
        design: grid
        replications: 1
        seed: 1
        parameters:
          - {path: x1, values: [0.0, 1.0]}
        """,
    )
    out = tmp_path / "out"
    assert cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1"]).exit_code == 0
    stored = out / "spec.yaml"
    stored.write_text(
        stored.read_text(encoding="utf-8")
        .replace("model: ishigami", "model: this:s")
        .replace("model: transition_sim.studies.models:ishigami", "model: this:s"),
        encoding="utf-8",
    )
    assert "this:s" in stored.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "sweep", str(spec), "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 2, "imported": []}, (done.stdout, done.stderr)
    assert "--allow-code" in done.stderr


# --- resume verifies what it continues ----------------------------------------------------------

SCENARIO = Scenario(name="job", days=3, replications=50, seed=5)


def interrupted_run(out: Path) -> Path:
    """A run of SCENARIO stopped at replication 30; its staging folder."""
    with pytest.raises(Interrupted):
        run_to_folder(SCENARIO, out, simulate_fn=Stop(at=30))
    return store.staging_path(store.output_path(out))


def test_a_part_edited_after_an_interrupt_is_refused_on_resume(tmp_path: Path) -> None:
    staging = interrupted_run(tmp_path / "out")
    part = sorted((staging / "runs").glob("part-*.parquet"))[0]
    table = pq.read_table(part)
    outcomes = pa.array(["coup"] * table.num_rows)
    pq.write_table(
        table.set_column(table.schema.get_field_index("outcome"), "outcome", outcomes), part
    )
    calls = Stop()
    with pytest.raises(store.OutputError, match=f"{re.escape(str(part))} was changed") as info:
        run_to_folder(SCENARIO, tmp_path / "out", resume=True, simulate_fn=calls)
    assert "--force" in str(info.value)
    assert calls.seeds == []


def test_a_deleted_part_file_is_refused_on_resume(tmp_path: Path) -> None:
    staging = interrupted_run(tmp_path / "out")
    part = sorted((staging / "events").glob("part-*.parquet"))[0]
    part.unlink()
    with pytest.raises(store.OutputError, match=f"{re.escape(str(part))} is missing"):
        run_to_folder(SCENARIO, tmp_path / "out", resume=True, simulate_fn=Stop())


def test_a_model_changed_between_interrupt_and_resume_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupted_run(tmp_path / "out")
    edited = {**store.code_files(), "transition_sim/core/elites.py": "0" * 64}
    monkeypatch.setattr(store, "code_files", lambda: edited)
    calls = Stop()
    with pytest.raises(
        store.OutputError, match=r"code changed since: transition_sim/core/elites\.py"
    ):
        run_to_folder(SCENARIO, tmp_path / "out", resume=True, simulate_fn=calls)
    assert calls.seeds == []


def test_the_code_hash_follows_the_package_files(tmp_path: Path) -> None:
    """An edit to any of the package's .py files changes the identity (a copy is edited)."""

    copy = tmp_path / "transition_sim"
    shutil.copytree(Path(store.__file__).resolve().parents[1], copy)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from transition_sim.ensemble import store; print(store.code_hash())"
    )

    def code_hash() -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True
        )
        return done.stdout.strip()

    before = code_hash()
    elites = copy / "core" / "elites.py"
    elites.write_text(elites.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    after = code_hash()
    assert len(before) == 64 and before != after


def test_the_resume_hint_reproduces_every_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Following the Ctrl-C hint of `run -n 6 --seed 9 --keep summary -w 1` resumes the run."""
    from transition_sim.ensemble import job as commands  # `run` imports it when it runs
    from transition_sim.simulate import simulate

    spec = write(tmp_path / "tiny.yaml", "name: tiny\ndays: 2\nreplications: 40\nseed: 7\n")
    real = commands.run_to_folder
    calls = {"n": 0}

    def stop_at_four(scenario: Scenario, seed: int) -> RunResult:
        calls["n"] += 1
        if calls["n"] > 4:
            raise Interrupted(2)
        return simulate(scenario, seed)

    monkeypatch.setattr(
        commands, "run_to_folder", lambda *a, **k: real(*a, **k, simulate_fn=stop_at_four)
    )
    out = tmp_path / "out"
    args = ["run", str(spec), "-n", "6", "--seed", "9", "--keep", "summary", "-w", "1"]
    stopped = cli.invoke(app, [*args, "--out", str(out)])
    assert stopped.exit_code == 130, stopped.output
    hint = stopped.output.split("continue with: ")[1].strip()
    monkeypatch.setattr(commands, "run_to_folder", real)
    argv = shlex.split(hint)
    assert argv[0] == "transition-sim"
    resumed = cli.invoke(app, argv[1:])
    assert resumed.exit_code == 0, resumed.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["replications"], manifest["seed"], manifest["keep"]) == (6, 9, "summary")


# --- report verifies the folder it reports ------------------------------------------------------


def finished_run(tmp_path: Path) -> Path:
    """A finished folder of summaries (the stand-in model has no day-by-day tables to draw)."""
    out = tmp_path / "results"
    run_to_folder(SCENARIO, out, simulate_fn=Stop(), keep="summary")
    return out


def test_report_refuses_an_edited_runs_table_and_never_vouches_for_it(tmp_path: Path) -> None:
    out = finished_run(tmp_path)
    runs = pq.read_table(out / "runs.parquet")
    outcomes = pa.array(["unresolved"] * runs.num_rows)
    index = runs.schema.get_field_index("outcome")
    pq.write_table(runs.set_column(index, "outcome", outcomes), out / "runs.parquet")
    manifest = (out / "manifest.json").read_bytes()
    refused = cli.invoke(app, ["report", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "runs.parquet: differs from the manifest" in refused.stderr
    assert "Traceback" not in refused.output
    assert not (out / "report.html").exists()
    forced = cli.invoke(app, ["report", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "warning:" in forced.stderr and "runs.parquet" in forced.stderr
    assert (out / "report.html").is_file()
    assert (out / "manifest.json").read_bytes() == manifest  # not added to a stale manifest


def test_report_refuses_a_folder_with_an_added_file(tmp_path: Path) -> None:
    out = finished_run(tmp_path)
    (out / "notes.txt").write_text("x", encoding="utf-8")
    refused = cli.invoke(app, ["report", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "notes.txt: not in the manifest" in refused.stderr


def test_report_of_an_intact_folder_is_recorded(tmp_path: Path) -> None:
    out = finished_run(tmp_path)
    for _ in range(2):  # the second time over its own report
        result = cli.invoke(app, ["report", str(out)])
        assert result.exit_code == 0, result.output
        assert store.verify_manifest(out) == []


# --- symbolic links as --out --------------------------------------------------------------------


def test_a_symlinked_out_to_an_empty_folder_gets_the_results(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    run_to_folder(SCENARIO, link, simulate_fn=Stop(), keep="summary")
    assert link.is_symlink() and (link / "manifest.json").is_file()
    assert store.verify_manifest(target) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "link",
        "target",
    ]  # nothing stranded in a .partial folder


def test_force_on_a_symlink_replaces_the_link_not_what_it_points_to(tmp_path: Path) -> None:
    target = finished_run(tmp_path)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    link = tmp_path / "link"
    link.symlink_to(target)
    other = SCENARIO.model_copy(update={"seed": 6})
    run_to_folder(other, link, simulate_fn=fake_simulate, keep="summary", force=True)
    assert not link.is_symlink() and store.verify_manifest(link) == []
    assert json.loads((link / "manifest.json").read_text(encoding="utf-8"))["seed"] == 6
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_a_symlink_to_nothing_is_refused_before_running(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    calls = Stop()
    with pytest.raises(store.OutputError, match="symbolic link to nothing"):
        run_to_folder(SCENARIO, link, simulate_fn=calls)
    assert calls.seeds == [] and not (tmp_path / "nowhere").exists()


def test_cli_run_into_a_symlinked_out_exits_0(tmp_path: Path) -> None:
    spec = write(tmp_path / "tiny.yaml", "name: tiny\ndays: 2\nreplications: 2\nseed: 7\n")
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    result = cli.invoke(app, ["run", str(spec), "-w", "1", "--out", str(tmp_path / "link")])
    assert result.exit_code == 0, result.output
    assert store.verify_manifest(target) == []


# --- names: short, visible, one spelling, not reserved ------------------------------------------


def two_camps(first: str, second: str) -> str:
    return (
        "name: names\ndays: 2\ncamps:\n"
        f'  - {{name: "{first}", incumbent: true, power: 0.3, legitimacy: 0.8}}\n'
        f'  - {{name: "{second}", power: 0.3, legitimacy: 0.5}}\n'
        "factions:\n  police: {units: 10, loyalty: {" + f'"{first}"' + ": 1.0}}\n"
    )


def test_two_camps_that_look_identical_are_one_name_defined_twice(tmp_path: Path) -> None:
    nfc, nfd = "Caf\u00e9", "Cafe\u0301"
    assert nfc != nfd
    path = write(tmp_path / "nfd.yaml", two_camps(nfc, nfd))
    assert_refused(path, "camps.1.name", "is already defined")


@pytest.mark.parametrize(
    "name", ["Ca\u200bfe", "Cafe\u202e", "Cafe\u00ad", " Cafe"], ids=["zwsp", "rlo", "shy", "space"]
)
def test_an_invisible_character_in_a_name_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "hidden.yaml", two_camps("Cafe", name))
    assert_refused(path, "camps.1.name")


def test_a_huge_name_is_refused_at_once(tmp_path: Path) -> None:
    """250,000 characters over 3,650 days needed 6.8 GiB; it is refused before anything."""
    huge = "x" * 250_000
    text = two_camps("Cafe", huge).replace("days: 2", "days: 3650")
    output = assert_refused(write(tmp_path / "huge.yaml", text), "at most 64 characters")
    assert huge not in output


@pytest.mark.parametrize("where", ["region", "camp", "faction"])
def test_all_is_a_reserved_word(tmp_path: Path, where: str) -> None:
    text = {
        "region": "name: x\nregions:\n  - {name: All, urban_population: 100}\n",
        "camp": two_camps("all", "other"),
        "faction": "name: x\nfactions:\n  all: {units: 10, loyalty: {incumbent: 1.0}}\n",
    }[where]
    assert_refused(write(tmp_path / "all.yaml", text), "reserved word")


# --- reports draw a bounded number of series ----------------------------------------------------


def many_camps(camps: int, factions: int) -> Results:
    rng = np.random.default_rng(0)
    rows = [(r, d) for r in range(3) for d in range(4)]
    frame = pd.DataFrame(rows, columns=["replication", "day"])
    frame["region"] = "all"
    frame["date"] = pd.Timestamp("2022-01-01") + pd.to_timedelta(frame["day"], unit="D")
    power = rng.dirichlet(np.arange(1, camps + 1), len(frame))  # camp i has more than camp i-1
    for i in range(camps):
        frame[f"power_c{i}"] = power[:, i]
    for i in range(factions):
        frame[f"stance_f{i}"] = rng.choice(["obey", "defect"], len(frame))
    return Results(Path("x"), {"scenario": "x"}, None, frame, None, None, {})


def test_a_chart_draws_at_most_twelve_camps_and_sums_the_rest() -> None:
    fig = figures.power_figure(many_camps(40, 1))
    named = [t.name for t in fig.data if t.showlegend is not False]
    assert len(named) == figures.MAX_SERIES + 1
    assert named[-1] == "28 others together"
    assert set(named[:-1]) == {f"c{i}" for i in range(28, 40)}  # the largest


def test_a_chart_draws_at_most_twelve_factions() -> None:
    fig = figures.stances_figure(many_camps(2, 30))
    titles = [a.text for a in fig.layout.annotations if a.text.startswith("f")]
    assert len(titles) == figures.MAX_SERIES
    assert "12 of 30 factions" in fig.layout.title.subtitle.text


def test_a_scenario_with_more_camps_or_factions_than_the_limits_is_refused(
    tmp_path: Path,
) -> None:
    camps = "".join(f"  - {{name: c{i}, power: 0.001}}\n" for i in range(20_000))
    text = "name: x\ncamps:\n  - {name: incumbent, incumbent: true, power: 0.2}\n" + camps
    assert_refused(write(tmp_path / "camps.yaml", text), "at most 50 camps")
    factions = "".join(f"  f{i}: {{units: 1, loyalty: {{incumbent: 1.0}}}}\n" for i in range(8000))
    assert_refused(write(tmp_path / "f.yaml", "name: x\nfactions:\n" + factions), "at most 200")


# --- sweeps: the design is bounded before it is built -------------------------------------------


def ishigami_spec(tmp_path: Path, design: str, parameters: str) -> Path:
    return write(
        tmp_path / "big.yaml",
        f"name: big\nmodel: ishigami\ndesign: {design}\nreplications: 1\nseed: 1\n"
        f"parameters:\n{parameters}",
    )


@pytest.mark.timeout(60)  # a hang guard: the design must not be built
@pytest.mark.parametrize(
    ("design", "parameters", "message"),
    [
        ("grid", "  - {path: x1, range: {low: 0, high: 1, steps: 9007199254740992}}\n", "points"),
        (
            "{method: sobol, samples: 1099511627776}",
            "  - {path: x1, bounds: [0, 1]}\n  - {path: x2, bounds: [0, 1]}\n",
            "sobol with 1,099,511,627,776 samples",
        ),
        (
            "grid",
            "".join(
                f"  - {{path: {p}, range: {{low: 0, high: 1, steps: 300}}}}\n"
                for p in ("x1", "x2", "x3", "a")
            ),
            "8,100,000,000 points (300 x 300 x 300 x 300) are more than 100,000; their table"
            " alone needs 724.2 GiB",
        ),
    ],
    ids=["steps-2^53", "sobol-2^40", "4x300"],
)
def test_a_huge_design_is_refused_with_its_size(
    tmp_path: Path, design: str, parameters: str, message: str
) -> None:
    spec = ishigami_spec(tmp_path, design, parameters)
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.stderr
    assert f"{spec}:3: design:" in result.stderr or f"{spec}:2: design:" in result.stderr
    assert not (tmp_path / "out").exists()


# --- contests that overflowed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strength", "exponent"),
    [
        ({"a": 10.0, "b": 5.0}, 1e9),
        ({"a": 4e9, "b": 2e9, "c": 0.0}, 50.0),  # a large power_weight times strength
        ({"a": 1e-10, "b": 2e-10}, 50.0),  # underflowed to 0 + 0: it read as equal sides
    ],
    ids=["exponent-1e9", "large-strength", "tiny-strength"],
)
def test_a_contest_with_huge_powers_is_won_by_the_stronger(
    strength: dict[str, float], exponent: float
) -> None:
    chances = decisions.tullock(strength, exponent)
    strongest = max(strength, key=strength.__getitem__)
    assert chances[strongest] == pytest.approx(1.0)
    assert sum(chances.values()) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in chances.values())
    weakest = min(strength, key=strength.__getitem__)
    assert decisions.showdown(strength, strongest, weakest, exponent) == pytest.approx(1.0)


# --- the dashboard reads only its own folders ---------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    copy_baseline(scenarios)
    return Workspace(tmp_path / "work", scenarios)


def test_an_upload_extends_only_the_scenarios_folder_and_says_one_thing(
    workspace: Workspace, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside / "scenario.yaml", "name: secret\ndays: 7\n")  # scenario-shaped, elsewhere
    write(outside / "notes.yaml", "password: hunter2\n")  # not a scenario
    (outside / "folder.yaml").mkdir()
    targets = [
        outside / "scenario.yaml",
        outside / "notes.yaml",
        outside / "missing.yaml",
        outside / "folder.yaml",
        "../../../outside/scenario.yaml",
        "/etc/passwd",
    ]
    messages = set()
    for target in targets:
        before = workspace.scenario_files()
        with pytest.raises(ScenarioError) as caught:
            workspace.upload("mine.yaml", f"extends: {target}\nname: mine\n".encode())
        assert caught.value.field == "extends"
        assert "secret" not in str(caught.value) and "hunter2" not in str(caught.value)
        messages.add(caught.value.message.replace(repr(str(target)), "TARGET"))
        assert workspace.scenario_files() == before
    assert messages == {"TARGET is not a scenario file in the scenarios folder"}


def test_an_upload_still_extends_a_scenario_of_the_folder(workspace: Workspace) -> None:
    key = workspace.upload("mine.yaml", b"extends: kazakhstan_2022.yaml\nname: mine\ndays: 9\n")
    assert workspace.load(key).days == 9
    # The folder's own files are the server's: they may extend files elsewhere.
    write(workspace.scenarios / "short.yaml", f"extends: {BASELINE}\nname: short\ndays: 5\n")
    assert workspace.load("scenarios/short.yaml").days == 5
    key = workspace.upload("mine2.yaml", b"extends: short.yaml\nname: mine\n")
    assert workspace.load(key).days == 5


# --- names in figures are text, not links -------------------------------------------------------

LINK = '<a href="http://example.com/x">click</a>'


def test_a_link_in_a_name_is_text_in_figures_and_pages() -> None:
    results = many_camps(3, 1)
    frame = results.timeseries.rename(columns={"power_c0": f"power_{LINK}"})
    frame["stance_f0"] = LINK
    linked = Results(Path("x"), {"scenario": LINK}, None, frame, None, None, {})
    for fig in (figures.power_figure(linked), figures.stances_figure(linked)):
        assert re.search(r"<\s*a\s", json.dumps(fig.to_dict(), default=str))  # as built
        safe = figures.inert(fig)
        text = json.dumps(safe.to_dict(), default=str)
        assert "&lt;a href" in text and re.search(r"<\s*a\s", text) is None
        page = safe.to_html(include_plotlyjs=False)
        assert "example.com" in page  # shown, as text
        assert re.search(r'(<|\\u003c)a href=\\?"http://example', page) is None, "a live link"


def test_inert_keeps_the_figures_own_markup() -> None:
    fig = figures.inert(figures.power_figure(many_camps(3, 1)))
    templates = [t.hovertemplate or "" for t in fig.data]
    assert any("<br>" in t and "<extra>" in t for t in templates)


# --- a sweep's resume verifies its parts and code -----------------------------------------------


def interrupted_sweep(tmp_path: Path) -> tuple[Path, Path]:
    spec = write(
        tmp_path / "toy.yaml",
        """
        name: toy
        model: ishigami
        design: grid
        replications: 20
        seed: 1
        parameters:
          - {path: x1, values: [0.0, 0.5, 1.0, 1.5]}
        """,
    )
    out = tmp_path / "out"
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1"])
    assert result.exit_code == 0, result.output
    (out / "manifest.json").unlink()  # as if interrupted after its parts were written
    return spec, out


def test_a_sweep_part_edited_before_resume_is_refused(tmp_path: Path) -> None:
    spec, out = interrupted_sweep(tmp_path)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    table = pq.read_table(part)
    column = table.schema.get_field_index("outcome")
    pq.write_table(table.set_column(column, "outcome", pa.array(["x"] * table.num_rows)), part)
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert f"{part} was changed" in result.stderr


def test_a_sweep_resumed_on_other_code_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, out = interrupted_sweep(tmp_path)
    edited = {**store.code_files(), "transition_sim/studies/models.py": "0" * 64}
    monkeypatch.setattr(store, "code_files", lambda: edited)
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert "transition_sim/studies/models.py" in result.stderr


def test_an_intact_sweep_resumes_to_the_same_runs(tmp_path: Path) -> None:
    spec, out = interrupted_sweep(tmp_path)
    before = pd.read_parquet(out / "runs")
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "--resume", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ran"] == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs"), before)


def test_the_memory_estimate_grows_with_the_camp_names_as_memory_does() -> None:
    """The office and stance columns are as wide as the longest camp name (3,650 days)."""

    def scenario(length: int) -> Scenario:
        name = "x" * length
        return Scenario(
            name="long",
            days=3650,
            camps=[Camp(name=name, incumbent=True, power=1.0, legitimacy=0.8)],
            factions={"police": Faction(units=10, loyalty={name: 1.0}, autonomous=False)},
            power=Power(security=0.0, opposition=0.0),
        )

    short, long = scenario(1), scenario(64)
    measured = peak_bytes(long) - peak_bytes(short)
    estimated = estimate_memory(long).total - estimate_memory(short).total
    assert measured > 0 and estimated >= measured
    assert estimate_memory(long).total >= peak_bytes(long)
