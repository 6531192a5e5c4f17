"""Careless and hostile scenario files (issue 6): each gets a clear error with exit 2, never a
hang, a traceback, runaway memory, or another file's contents in the message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from scenario_files import load_error, write
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.scenario import load_scenario, loader

cli = CliRunner()
SCENARIOS = Path(__file__).parent.parent / "scenarios"


def assert_refused(path: Path, *messages: str) -> str:
    """`validate` and a one-day `run -n 1` both exit 2 with `messages` and no traceback (the
    message may go to stdout or stderr)."""
    for args in (["validate", str(path)], ["run", "-n", "1", str(path)]):
        result = cli.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        for message in messages:
            assert message in result.output, (message, result.output)
    return result.output


# --- hangs, runaway memory and tracebacks, as listed in issue 6 ---------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ["name: x", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)  # a hang guard, not a speed requirement
def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.yaml", billion_laughs())
    err = load_error(path)
    assert err.message == (
        f"more than {loader.MAX_VALUES:,} values, each use of an alias counted"
        " (a scenario needs a few hundred)"
    )
    assert err.line is not None
    assert_refused(path, "each use of an alias counted")


def test_moderate_aliases_still_work(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        crowd: &crowd {vision: 3, hardship: {low: 0.1, high: 0.5}}
        regions:
          - &city {name: a, urban_population: 1000, sites: [{name: s, cell: [1, 2]}]}
          - {<<: *city, name: b}
        """,
    )
    scenario = load_scenario(path)
    assert [r.name for r in scenario.regions] == ["a", "b"]
    assert scenario.regions[1].sites[0].cell == (1, 2)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\nloop: &a [1, *a]\n"))
    assert (err.line, err.message) == (
        2,
        "an alias refers to a value that contains it (a recursive alias)",
    )


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("regions: " + "[" * 20_000 + "]" * 20_000, 2),  # flow style
        ("regions:\n" + "- " * 20_000 + "x", 3),  # block style
        ("regions: " + "[" * 40 + "]" * 40, 2),  # past MAX_DEPTH, within libyaml's limit
    ],
    ids=["flow-20000", "block-20000", "flow-40"],
)
def test_deep_nesting_is_refused(tmp_path: Path, body: str, line: int) -> None:
    path = write(tmp_path / "deep.yaml", "name: x\n" + body + "\n")
    err = load_error(path)
    assert f"nested more than {loader.MAX_DEPTH} levels deep" in err.message
    assert err.line == line
    assert_refused(path, "levels deep")


def test_nesting_up_to_the_limit_is_parsed(tmp_path: Path) -> None:
    """MAX_DEPTH levels parse (the schema then says what is wrong with them)."""
    depth = loader.MAX_DEPTH - 1  # the top-level mapping is one level
    err = load_error(write(tmp_path / "x.yaml", f"name: x\nfoo: {'[' * depth}{']' * depth}\n"))
    assert (err.line, err.field, err.message) == (2, "foo", "unknown key")


def test_pure_python_parser_refuses_deep_nesting_too(tmp_path: Path) -> None:
    """Without libyaml, PyYAML's composer recurses per level: still a clean error."""
    deep = write(tmp_path / "deep.yaml", "name: x\nregions: " + "[" * 5000 + "]" * 5000 + "\n")
    good = write(tmp_path / "good.yaml", "name: x\nregions: [{name: a, urban_population: 900}]\n")
    code = dedent(
        """
        import sys, yaml
        del yaml.CSafeLoader
        from transition_sim.scenario import ScenarioError, load_scenario, loader
        assert loader._SafeLoader is yaml.SafeLoader
        print(load_scenario(sys.argv[2]).regions[0].urban_population)
        try:
            load_scenario(sys.argv[1])
        except ScenarioError as err:
            print(err.message)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(deep), str(good)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == ["900", f"invalid YAML: nested more than {loader.MAX_DEPTH} levels deep"]


@pytest.mark.parametrize(
    ("data", "line", "column", "char"),
    [
        (b"name: x\x00\n", 1, 8, "U+0000"),
        (b"name: x\ndescription: a\x1b[2Jb\n", 2, 15, "U+001B"),
        (b"name: x\n\ndays: 3\x7f\n", 3, 8, "U+007F"),
        ("name: x\ndescription: \u009b\n".encode(), 2, 14, "U+009B"),
    ],
)
def test_control_characters_are_refused_with_their_line(
    tmp_path: Path, data: bytes, line: int, column: int, char: str
) -> None:
    path = write(tmp_path / "x.yaml", data)
    err = load_error(path)
    assert (err.line, err.field) == (line, None)
    assert err.message == (
        f"character {char} (column {column}) is not allowed: a scenario file is plain text"
    )
    assert_refused(path, char)


def test_tabs_and_unicode_text_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", 'name: Январь 2022 — 🇰🇿\ndescription: "a\\tb"\n')
    assert load_scenario(path).name == "Январь 2022 — 🇰🇿"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            "crowd: {citizen_density: 5.0e-324}",
            "crowd.citizen_density",
            "region 'city' needs a grid of more than 10^308 cells",
        ),
        (
            "crowd: {citizen_density: 1.0e-9}",
            "crowd.citizen_density",
            "region 'city' needs a grid of 1.12e+12 cells",
        ),
        (
            "regions: [{name: city, urban_population: 10000000000}]",
            "regions.0.urban_population",
            "region 'city' needs a grid of 14,285,714,286 cells",
        ),
    ],
)
def test_grids_too_large_for_any_machine(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ndays: 1\n" + text + "\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, field)
    assert err.message.startswith(message)
    assert_refused(path, message)


def test_density_written_as_text_is_refused_with_a_hint(tmp_path: Path) -> None:
    """YAML 1.1 reads 5e-324 (no dot) as text; the hint says how to write the number."""
    path = write(tmp_path / "x.yaml", "name: x\ncrowd: {citizen_density: 5e-324}\n")
    err = load_error(path)
    assert (err.line, err.field) == (2, "crowd.citizen_density")
    assert err.message == (
        "input should be a valid number, not text; YAML reads 5e-324 as text, write 5.0e-324"
        ' (got "5e-324")'
    )


@pytest.mark.parametrize(
    "text",
    [
        # each crashed a run of the baseline (lam value too large, OverflowError, NaN legitimacy)
        "violence: {violent_lethality: 1.0e+308}",
        "violence: {protester_lethality: [0, 0, 0, 1.0e+308]}",
        "violence: {peaceful_repression_cost: 1.0e+300}",
        "expectations: {protest_weight: 1.0e+308}",
        "crowd: {vision_people: 10000000000}",  # an int, in a float field
    ],
)
def test_floats_beyond_any_meaning_are_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ndays: 1\n" + text + "\n")
    err = load_error(path)
    assert err.line == 3
    assert err.message.endswith("is too large: no parameter means more than 1e+09")
    assert_refused(path, "is too large")
    write(path, "name: x\ndays: 1\n" + text.replace("1.0e+30", "1.0e+0") + "\n")
    if "10000000000" not in text:
        load_scenario(path)  # 1e8: large, allowed


def test_a_replication_larger_than_the_memory_limit(tmp_path: Path) -> None:
    """Ten million people at one agent each fit on a grid but need ~40 GiB (issue 6: the
    model failed with "Unable to allocate 74.5 GiB" for 10^10 people)."""
    path = write(
        tmp_path / "x.yaml", "name: x\nregions: [{name: city, urban_population: 10000000}]\n"
    )
    err = load_error(path)
    assert (err.line, err.field) == (2, "regions.0.urban_population")
    assert err.message.startswith("one replication needs about ")
    assert "GiB of memory, more than the limit of 32.0 GiB per replication" in err.message
    assert "a 3780x3780 grid with 112 cells in each citizen's vision" in err.message
    assert_refused(path, "GiB of memory")


def test_police_that_do_not_fit_their_region(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 1
        regions: [{name: town, urban_population: 2000}]
        factions:
          police: {units: 100000, loyalty: {incumbent: 1}}
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (5, "factions.police.units")
    assert err.message == (
        "101,966 agents do not fit on the 53x53 grid (2,809 cells) of region 'town': 1,966"
        " citizens and 100,000 police units; deploy fewer units there or raise its"
        " urban_population"
    )
    assert_refused(path, "do not fit")


def test_tiny_regions_with_more_units_than_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 1
        regions:
          - {name: a, urban_population: 5}
          - {name: b, urban_population: 5}
        factions:
          police: {units: 12, loyalty: {incumbent: 1}}
        """,
    )
    err = load_error(path)
    assert [p[1] for p in err.problems] == ["factions.police.units"] * 2
    assert "of region 'a'" in err.problems[0][2]
    assert "of region 'b'" in err.problems[1][2]
    assert "6 police units" in err.message
    assert_refused(path, "do not fit")


def test_dates_past_year_9999(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\nstart_date: 9999-12-30\ndays: 60\n")
    err = load_error(path)
    assert (err.line, err.field) == (2, "start_date")
    assert err.message == (
        "60 days from 9999-12-30 run past 9999-12-31, the last date there is; start by"
        " 9999-11-02 or run fewer days"
    )
    assert_refused(path, "run past 9999-12-31")


def test_the_last_date_there_is_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\nstart_date: 9999-12-31\ndays: 1\n")
    result = cli.invoke(app, ["run", "-n", "1", "--json", str(path)])
    assert result.exit_code == 0, result.output


# --- file size, devices, pipes, folders ---------------------------------------------------------


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    size = loader.MAX_FILE_BYTES
    path = write(tmp_path / "big.yaml", b"name: x\n" + b"#" * (size - 9) + b"\n")
    assert load_scenario(path).name == "x"  # exactly at the limit: read
    write(path, b"name: x\n" + b"#" * (size - 8) + b"\n")
    err = load_error(path)
    assert (err.line, err.field) == (None, None)
    assert err.message == "file is larger than 1024 KiB, the limit for a scenario"
    assert_refused(path, "larger than 1024 KiB")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.timeout(60)
def test_dev_zero_is_not_read(tmp_path: Path) -> None:
    err = load_error(Path("/dev/zero"))
    assert err.message.startswith("is not a regular file")
    assert_refused(Path("/dev/zero"), "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.timeout(60)
def test_fifo_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nobody writes: opening it for reading would block
    assert load_error(fifo).message.startswith("is not a regular file")
    child = write(tmp_path / "child.yaml", "name: c\nextends: pipe.yaml\n")
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 2, "extends")
    assert err.message == f"file to extend is not a regular file (a device, pipe or socket): {fifo}"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.timeout(120)
def test_validate_dev_zero_in_a_real_process() -> None:
    """The installed command, as a user runs it: prompt exit 2 and no traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from transition_sim.cli import app; app()",
            "validate",
            "/dev/zero",
        ],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "not a regular file" in done.stdout + done.stderr


def test_extending_a_folder_says_so(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    child = write(tmp_path / "child.yaml", "name: c\nextends: base\n")
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 2, "extends")
    assert err.message == f"file to extend is a directory, not a scenario file: {tmp_path / 'base'}"


def test_extends_is_relative_to_the_file_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "kz" / "base.yaml", "name: base\ndays: 7\n")
    write(tmp_path / "base.yaml", "name: decoy\ndays: 9\n")
    child = write(tmp_path / "kz" / "child.yaml", "extends: base.yaml\nseed: 1\n")
    monkeypatch.chdir(tmp_path)
    assert load_scenario(Path("kz/child.yaml")).days == 7
    assert load_scenario(child).name == "base"


def test_extends_chain_length_is_limited(tmp_path: Path) -> None:
    write(tmp_path / "f0.yaml", "name: x\n")
    for i in range(1, loader.MAX_EXTENDS + 2):
        write(tmp_path / f"f{i}.yaml", f"extends: f{i - 1}.yaml\nseed: {i}\n")
    assert load_scenario(tmp_path / f"f{loader.MAX_EXTENDS - 1}.yaml").seed == 15
    err = load_error(tmp_path / f"f{loader.MAX_EXTENDS + 1}.yaml")
    assert err.field == "extends"
    assert err.message == f"more than {loader.MAX_EXTENDS} files in one chain of extends"


def test_extends_with_a_nul_byte_in_the_name(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", 'name: x\nextends: "a\\0b"\n'))
    assert (err.line, err.field) == (2, "extends")
    assert err.message.startswith("cannot open the file to extend")


# --- another file's contents are never echoed ---------------------------------------------------

SECRET = "s3cr3t-Hunter2"


@pytest.mark.parametrize(
    "text",
    [
        # /etc/shadow-like: one long plain scalar, or a mapping of odd keys
        f"root:$6${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
        f"root: {SECRET}\ndaemon: x\n",
        f"- {SECRET}\n",
        f"{SECRET}\n",
        f"password: {SECRET}\n" + "".join(f"key{i}: {SECRET}\n" for i in range(50)),
    ],
    ids=["shadow", "mapping", "list", "scalar", "many-keys"],
)
def test_extending_a_private_file_does_not_echo_it(tmp_path: Path, text: str) -> None:
    private = write(tmp_path / "private" / "shadow", text)
    child = write(tmp_path / "child.yaml", f"name: c\nextends: {private}\n")
    err = load_error(child)
    assert SECRET not in str(err)
    assert "daemon" not in str(err) and "key1" not in str(err)
    assert len(str(err).splitlines()) == 1
    output = assert_refused(child)
    assert SECRET not in output


@pytest.mark.parametrize("private", ["/etc/shadow", "/etc/passwd", "/etc/hosts"])
def test_extending_a_system_file_does_not_echo_it(tmp_path: Path, private: str) -> None:
    try:
        lines = Path(private).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        pytest.skip(f"{private} cannot be read here")
    child = write(tmp_path / "child.yaml", f"name: c\nextends: {private}\n")
    output = assert_refused(child)
    # The first field of each line: a user name (passwd, shadow) or an address (hosts).
    names = {line.replace(":", " ").split()[0] for line in lines if line.strip()}
    names = {n for n in names if len(n) > 3 and not n.startswith("#")}
    assert names, f"{private} has no entries to look for"
    assert not names & set(output.replace(":", " ").split())


def test_values_from_an_extended_file_are_not_quoted(tmp_path: Path) -> None:
    """A scenario-like file with a bad value: the error points at it without quoting text."""
    base = write(tmp_path / "base.yaml", f"name: base\ncrowd:\n  movement: {SECRET}\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\ndays: [1]\n")
    err = load_error(child)
    assert SECRET not in str(err)
    assert err.problems[1] == (3, "crowd.movement", "input should be a valid boolean")
    assert err.files == [child, base]
    own = load_error(write(tmp_path / "own.yaml", f"name: x\ncrowd:\n  movement: {SECRET}\n"))
    assert f'(got "{SECRET}")' in own.message  # the user's own file: quoted, as before


def test_odd_keys_are_quoted_and_cut_short(tmp_path: Path) -> None:
    key = "root:$6$" + "x" * 100
    err = load_error(write(tmp_path / "x.yaml", f"name: x\ncrowd:\n  {key!r}: 1\n"))
    assert err.field == "crowd." + repr(key[:24])[:-1] + "…'"
    assert "x" * 30 not in str(err)


def test_at_most_max_problems_are_listed(tmp_path: Path) -> None:
    text = "name: x\n" + "".join(f"k{i}: 1\n" for i in range(100))
    err = load_error(write(tmp_path / "x.yaml", text))
    assert len(err.problems) == loader.MAX_PROBLEMS
    assert err.problems[-1] == (None, None, f"{100 - loader.MAX_PROBLEMS + 1} more")
    assert (
        str(err).splitlines()[-1] == f"{tmp_path / 'x.yaml'}: {100 - loader.MAX_PROBLEMS + 1} more"
    )


# --- strict numbers and booleans ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            'days: "30"',
            "days",
            'input should be a valid integer, not text; remove the quotes (got "30")',
        ),
        ("days: true", "days", "input should be a valid integer, not true or false (got true)"),
        ("days: 30.0", "days", "input should be a valid integer (got 30.0)"),
        (
            "crowd: {movement: 1}",
            "crowd.movement",
            "input should be a valid boolean (true or false), not a number (got 1)",
        ),
        (
            'crowd: {movement: "true"}',
            "crowd.movement",
            'input should be a valid boolean (got "true")',
        ),
        (
            "crowd: {arrest_constant: no}",
            "crowd.arrest_constant",
            "input should be a valid number, not true or false (got false)",
        ),
        (
            "crowd: {arrest_constant: 2.3e5x}",
            "crowd.arrest_constant",
            'input should be a valid number, not text (got "2.3e5x")',
        ),
        (
            'seed: "12"',
            "seed",
            'input should be a valid integer, not text; remove the quotes (got "12")',
        ),
        (
            "regions: [{name: a, urban_population: 1e6}]",
            "regions.0.urban_population",
            "input should be a valid integer, not text; YAML reads 1e6 as text, write 1.0e+6"
            ' (got "1e6")',
        ),
        (
            "seed: 100000000000000000000",
            "seed",
            "number too large (the limit is 2^53 = 9,007,199,254,740,992)",
        ),
        (
            "start_date: 2022-01-01 10:00:00",
            "start_date",
            "input should be a valid date in the format YYYY-MM-DD, unexpected extra characters at"
            ' the end of the input (got "2022-01-01T10:00:00")',
        ),
        ("name: 2022", "name", "input should be a valid string (got 2022)"),
        (
            "description: !!binary aGVsbG8=",
            "description",
            "a YAML bytes value has no meaning in a scenario",
        ),
        ("regions: !!set {a, b}", "regions", "a YAML set value has no meaning in a scenario"),
    ],
)
def test_strict_types(tmp_path: Path, text: str, field: str, message: str) -> None:
    path = write(tmp_path / "x.yaml", "name: x\n" + text + "\n")
    if text.startswith("name:"):
        path = write(tmp_path / "x.yaml", text + "\n")
    err = load_error(path)
    assert (err.field, err.message) == (field, message)
    assert err.line == (1 if text.startswith("name:") else 2)


def test_keys_must_be_text(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\nfactions:\n  1: {units: 1}\n"))
    assert (err.line, err.field, err.message) == (
        3,
        "factions",
        "key 1 is not text; quote it if it is a name",
    )


def test_lists_for_tuples_dates_and_ints_for_floats_still_work(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        start_date: 2023-03-04
        crowd: {arrest_constant: 2, hardship: {low: 0, high: 1}}
        patron: {delay_days: [2, 5]}
        regions:
          - {name: a, urban_population: 1000, sites: [{name: s, cell: [1, 2]}]}
        factions:
          police: {units: 10, loyalty: {incumbent: 1}, deployment: {a: 1}}
        """,
    )
    scenario = load_scenario(path)
    assert str(scenario.start_date) == "2023-03-04"
    assert scenario.crowd.arrest_constant == 2.0
    assert scenario.patron.delay_days == (2, 5)
    assert scenario.regions[0].sites[0].cell == (1, 2)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_still_load(path: Path) -> None:
    assert load_scenario(path).name


# --- per-capita inputs (issue 13, item 5) -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        (  # both sizes for one faction
            "factions:\n  police:\n    units: 10\n    units_per_1000: 50\n"
            "    loyalty: {incumbent: 1}\n",
            6,
            "factions.police.units_per_1000",
            "give exactly one of units_per_1000",
        ),
        (  # neither size: the faction's line
            "factions:\n  police:\n    loyalty: {incumbent: 1}\n",
            4,
            "factions.police.units_per_1000",
            "give exactly one of units_per_1000",
        ),
        (
            "factions:\n  police:\n    units_per_1000: -3\n    loyalty: {incumbent: 1}\n",
            5,
            "factions.police.units_per_1000",
            "greater than or equal to 0",
        ),
        (
            "factions:\n  police:\n    units_per_1000: lots\n    loyalty: {incumbent: 1}\n",
            5,
            "factions.police.units_per_1000",
            "",
        ),
        (
            "patron:\n  enabled: true\n  units: 4\n  units_per_1000: 2\n",
            6,
            "patron.units_per_1000",
            "give patron.units or units_per_1000, not both",
        ),
        ("patron:\n  units_per_1000: -1\n", 4, "patron.units_per_1000", "greater than or equal"),
        ("crowd:\n  vision: 3\n  vision_people: 5000\n", 5, "crowd.vision_people", "not both"),
        ("crowd:\n  vision_people: 0\n", 4, "crowd.vision_people", "greater than 0"),
        ("violence:\n  detention_share: 1.5\n", 4, "violence.detention_share", "less than or"),
        ("scale:\n  protesters_per_active_agent: 2\n", 3, "scale", "was removed"),
    ],
)
def test_bad_per_capita_inputs_name_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ndays: 1\n" + body)
    err = load_error(path)
    assert err.field == field
    assert err.line == line
    assert message in err.message
    assert str(path) in str(err)


def test_units_per_1000_that_do_not_fit_name_their_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 1
        scale: {people_per_agent: 10}
        regions: [{name: town, urban_population: 20000}]
        factions:
          police: {units_per_1000: 5000, loyalty: {incumbent: 1}}
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (6, "factions.police.units_per_1000")
    assert "10,000 police units" in err.message
    assert_refused(path, "do not fit")


# --- issue 13's fields (m2): each bad value names its file line and field --------------------

ISSUE13_BASE = """\
name: x
camps:
  - {name: a, incumbent: true, power: 0.5}
  - {name: b, power: 0.5}
regions:
  - {name: c, urban_population: 1000, sites: [{name: s}]}
factions:
  p: {units: 10, loyalty: {a: 1.0}}
"""


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("factions:\n  p:\n    units: 10\n    loyalty: {a: 1.0}\n    kind: feudal\n",
         "factions.p.kind", 5),
        ("factions:\n  p:\n    units: 10\n    loyalty: {a: 1.0}\n    stacked: 1.5\n",
         "factions.p.stacked", 5),
        ("factions:\n  p:\n    units: 10\n    loyalty: {a: 1.0}\n    counterweight: 2\n",
         "factions.p.counterweight", 5),
        ("factions:\n  p:\n    units: 10\n    loyalty: {a: 1.0}\n    guardian: -0.1\n",
         "factions.p.guardian", 5),
        ("factions:\n  p:\n    units: 10\n    loyalty: {a: 0.5, street: 0.5}\n",
         "factions.p.loyalty.street", 4),
        ("loyalty_dynamics:\n  backfire: -1\n", "loyalty_dynamics.backfire", 2),
        ("loyalty_dynamics:\n  crowd_pressure: .nan\n", "loyalty_dynamics.crowd_pressure", 2),
        ("loyalty_dynamics:\n  cascade: x\n", "loyalty_dynamics.cascade", 2),
        ("loyalty_dynamics:\n  cascade_spread: 0\n", "loyalty_dynamics.cascade_spread", 2),
        ("loyalty_dynamics:\n  cascade_thresholds: {low: 0.7, high: 0.2}\n",
         "loyalty_dynamics.cascade_thresholds", 2),
        ("loyalty_dynamics:\n  elite_split: -2\n", "loyalty_dynamics.elite_split", 2),
        ("loyalty_dynamics:\n  patron_pay: -2\n", "loyalty_dynamics.patron_pay", 2),
        ("loyalty_dynamics:\n  recovery: -2\n", "loyalty_dynamics.recovery", 2),
        ("loyalty_dynamics:\n  patrimonial_anchor: 2\n",
         "loyalty_dynamics.patrimonial_anchor", 2),
        ("loyalty_dynamics:\n  speed: 2\n", "loyalty_dynamics.speed", 2),
        ("regions:\n  - name: c\n    urban_population: 1000\n    sites:\n"
         "      - {name: s, seat: 3}\n", "regions.0.sites.0.seat", 5),
        ("violence:\n  peaceful_occupation: 1.5\n", "violence.peaceful_occupation", 2),
        ("violence:\n  site_exponent: 0\n", "violence.site_exponent", 2),
        ("camps:\n  - {name: a, incumbent: true, power: 0.5}\n  - {name: b, power: 0.5,"
         " ally_of: zz}\n", "camps.1.ally_of", 3),
        ("camps:\n  - {name: a, incumbent: true, power: 0.5}\n  - {name: b, power: 0.5,"
         " ally_of: b}\n", "camps.1.ally_of", 3),
        ("camps:\n  - {name: a, incumbent: true, power: 0.5}\n  - {name: b, power: 0.5,"
         " defection: 1.2}\n", "camps.1.defection", 3),
        ("government:\n  pact_credibility: -0.5\n", "government.pact_credibility", 2),
        ("government:\n  invite_temperature: -1\n", "government.invite_temperature", 2),
    ],
)  # fmt: skip
def test_issue13_mechanism_fields_refused_with_line(
    tmp_path: Path, text: str, field: str, line: int
) -> None:
    """A bad value of every field the loyalty and ouster mechanisms add is refused with the
    file, the line and the field (exit 2, no traceback). ``line`` counts within ``text``, which
    comes right after `name: x` and replaces the base's section of the same key."""
    blocks: dict[str, str] = {}
    for row in ISSUE13_BASE.splitlines()[1:]:
        if not row.startswith(" "):
            current = row.split(":", 1)[0]
            blocks[current] = ""
        blocks[current] += row + "\n"
    key = text.split(":", 1)[0]
    tail = "".join(body for name, body in blocks.items() if name != key)
    path = write(tmp_path / "x.yaml", "name: x\n" + text + tail)
    err = load_error(path)
    assert (err.field, err.line) == (field, line + 1), str(err)
    out = assert_refused(path, field)
    assert f"x.yaml:{line + 1}:" in out


# --- issue 13 (m3): triggers, order and the threat's memory -------------------------------------
GE0, GE1 = "greater than or equal to 0", "greater than or equal to 1"
LE1, LE10 = "less than or equal to 1", "less than or equal to 10"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            "shocks:\n  - {day: 0, label: x, kind: coup}",
            3,
            "shocks.0.kind",
            "input should be 'price_rise', 'disputed_election', 'term_limit_evasion',"
            " 'policy_reversal', 'focal_killing', 'leader_illness', 'long_decline' or 'other'",
        ),
        ("shocks:\n  - {day: 0, label: x, magnitude: -1}", 3, "shocks.0.magnitude", GE0),
        ("shocks:\n  - {day: 0, label: x, magnitude: 11}", 3, "shocks.0.magnitude", LE10),
        ("triggers:\n  price_rise: {hardship: 1.5}", 3, "triggers.price_rise.hardship", LE1),
        ("triggers:\n  focal_killing: {outrage: -0.1}", 3, "triggers.focal_killing.outrage", GE0),
        ("triggers:\n  coup: {legitimacy: -0.1}", 3, "triggers.coup", "unknown key"),
        ("triggers:\n  outrage_decay: 2", 3, "triggers.outrage_decay", LE1),
        ("order:\n  max_active_share: 0", 3, "order.max_active_share", "greater than 0"),
        ("order:\n  calm_days: 0", 3, "order.calm_days", GE1),
        ("order:\n  calm_days: 2.5", 3, "order.calm_days", "valid integer"),
        ("government:\n  threat_memory_days: 0", 3, "government.threat_memory_days", GE1),
    ],
)
def test_bad_trigger_order_and_threat_fields_name_their_line(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path / "x.yaml", "name: x\n" + text + "\n")
    err = load_error(path)
    assert (err.line, err.field) == (line, field), err
    assert message in err.message, err.message
    assert_refused(path, f"{path}:{line}: {field}")


def test_memory_bound_counts_the_vision_that_vision_people_gives(tmp_path: Path) -> None:
    """A vision in residents at a fine resolution is a wide radius in cells (40 at most): the
    memory estimate must count its cells, not the default 7."""
    body = (
        "name: x\nscale: {people_per_agent: 10}\n"
        "regions: [{name: city, urban_population: 10000000}]\n"
    )
    path = write(tmp_path / "x.yaml", body + "crowd: {vision_people: 10000000}\n")
    err = load_error(path)
    assert err.message.startswith("one replication needs about ")
    assert "cells in each citizen's vision" in err.message
    assert " 3280 cells in each citizen's vision" in err.message  # radius 40, von Neumann
    assert_refused(path, "GiB of memory")
    load_scenario(write(tmp_path / "ok.yaml", body + "crowd: {vision: 7}\n"))  # 112 cells fit


# --- issue 13: a case's recorded peak crowd (observed.peak_crowd) -------------------------------

CROWD_BASE = """\
name: x
regions: [{name: city, urban_population: 1000}]
observed:
  outcome: incumbent_holds
  crisis: mass_protest
  peak_crowd:
"""


@pytest.mark.parametrize(
    ("crowd", "line", "field", "message"),
    [
        ("    region: town\n    range: [10, 20]\n    source: s\n", 7,
         "observed.peak_crowd.region", "region 'town' is not defined (regions: city; or all)"),
        ("    region: city\n    range: [30, 20]\n    source: s\n", 8,
         "observed.peak_crowd.range", "low (30) must not exceed high (20)"),
        ("    region: city\n    range: [0, 20]\n    source: s\n", 8,
         "observed.peak_crowd.range.0", "greater than 0"),
        ("    region: all\n    range: [10, -5]\n    source: s\n", 8,
         "observed.peak_crowd.range.1", "greater than 0"),
        ("    region: all\n    range: [10]\n    source: s\n", 8,
         "observed.peak_crowd.range.1", "required field is missing"),
        ("    region: all\n    range: [10, 20]\n", 6, "observed.peak_crowd.source", "required"),
        ("    region: all\n    range: [10, 20]\n    source: ''\n", 9,
         "observed.peak_crowd.source", "at least 1 character"),
        ("    region: all\n    range: [10, 20]\n    source: s\n    count: 3\n", 10,
         "observed.peak_crowd.count", "unknown key"),
    ],
)  # fmt: skip
def test_a_bad_peak_crowd_names_its_line_and_field(
    tmp_path: Path, crowd: str, line: int, field: str, message: str
) -> None:
    """A recorded peak crowd in a region the case does not have, a range that is not two
    positive, ordered numbers of people, or no source: exit 2 with file:line: field."""
    path = write(tmp_path / "x.yaml", CROWD_BASE + crowd)
    err = load_error(path)
    assert (err.field, err.line) == (field, line), str(err)
    assert message in err.message, err.message
    assert_refused(path, f"{path}:{line}: {field}")


def test_a_peak_crowd_in_a_case_region_or_all_loads(tmp_path: Path) -> None:
    for region in ("city", "all"):
        path = write(
            tmp_path / f"{region}.yaml",
            CROWD_BASE + f"    region: {region}\n    range: [10, 10]\n    source: s\n",
        )
        crowd = load_scenario(path).observed.peak_crowd  # type: ignore[union-attr]
        assert (crowd.region, crowd.range) == (region, (10.0, 10.0))
