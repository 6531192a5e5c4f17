"""The claims registry against the article, the schema, the baseline scenario and the code."""

from __future__ import annotations

import collections
import importlib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from rich.console import Console

if TYPE_CHECKING:
    from transition_sim.claims import Registry


@pytest.fixture(scope="module")
def claims() -> Iterator[types.ModuleType]:
    """The module, imported here rather than at collection. It stays bound to the package, as
    the import system leaves it: taking it off (while it stays in sys.modules) broke every later
    ``import transition_sim.claims; transition_sim.claims.X`` in the same session (the import
    finds the module loaded and does not bind it again); tests/test_cli.py's swap sets both."""
    yield importlib.import_module("transition_sim.claims")


@pytest.fixture(scope="module")
def registry(claims: types.ModuleType) -> Registry:
    return claims.load_registry()


def test_registry_has_entries(registry: Registry) -> None:
    assert registry.claims and registry.facts and registry.assumptions


def test_ids_unique_and_prefixed(registry: Registry, claims: types.ModuleType) -> None:
    counts = collections.Counter(registry.ids())
    assert [i for i, n in counts.items() if n > 1] == []
    assert all(c.id.startswith("C-") for c in registry.claims)
    assert all(f.id.startswith("F-") for f in registry.facts)
    assert all(a.id.startswith("A-") for a in registry.assumptions)
    assert all(claims.ID.fullmatch(i) for i in registry.ids())


def test_quotes_verbatim_in_article(registry: Registry, claims: types.ModuleType) -> None:
    article = claims.ARTICLE_PATH.read_text(encoding="utf-8")
    missing = [c.id for c in registry.claims if not c.quote or c.quote not in article]
    assert missing == [], f"quotes not found verbatim in the article: {missing}"


def test_speakers_are_panelists(registry: Registry) -> None:
    panel = {"Temur Umarov", "Marlene Laruelle", "Inna Melnykovska", "Erin Kristin Jenne"}
    assert {c.speaker for c in registry.claims} <= panel


def test_parameter_paths_exist_in_schema(registry: Registry, claims: types.ModuleType) -> None:
    problems = claims.schema_paths_exist(registry)
    assert problems == [], "\n".join(problems)


def test_every_baseline_number_is_covered(registry: Registry, claims: types.ModuleType) -> None:
    paths = claims.numeric_parameter_paths(claims.BASELINE_PATH)
    assert "factions.KNB.loyalty.family" in paths  # sanity: the walk found the file's numbers
    missing = claims.uncovered(registry, paths)
    assert missing == [], "baseline parameters with no claim, fact or assumption:\n" + "\n".join(
        missing
    )


def test_baseline_respects_claim_directions(registry: Registry, claims: types.ModuleType) -> None:
    problems = claims.direction_violations(registry)
    assert problems == [], "the baseline contradicts these claims:\n" + "\n".join(problems)


def test_direction_check_catches_a_violation(claims: types.ModuleType) -> None:
    registry = claims.Registry(
        claims=[
            claims.Claim(
                "C-x",
                "Marlene Laruelle",
                "q",
                "m",
                [
                    # a number of every crowd (vision is null with blocks: not checked)
                    claims.ClaimParameter("crowd.citizen_density", "> 100"),
                    claims.ClaimParameter("crowd.citizen_density", "> 0 and < 50"),
                    claims.ClaimParameter(
                        "camps.family.legitimacy", "greater than camps.successor.legitimacy"
                    ),
                    claims.ClaimParameter("patron.enabled", "enabled"),
                    claims.ClaimParameter("crowd.contagion", "small"),
                ],
            )
        ],
        facts=[],
        assumptions=[],
    )
    problems = claims.direction_violations(registry)
    assert len(problems) == 2
    assert "crowd.citizen_density" in problems[0] and "family.legitimacy" in problems[1]


def test_cited_ids_exist(registry: Registry, claims: types.ModuleType) -> None:
    refs = claims.code_references()
    known = set(registry.ids())
    unknown = {i: where for i, where in refs.items() if i not in known}
    assert unknown == {}, f"ids cited in code/docs but not in the registry: {unknown}"


def test_required_ids_defined(registry: Registry) -> None:
    required = {
        "C-states-within-states",
        "C-window-of-opportunity",
        "C-russia-acts-in-crisis",
        "C-families-clans",
        "C-one-part-leaving",
        "C-successor",
        "C-knb-disloyal",
        "C-unhappy-families",
        "C-peaceful-middle-class",
        "C-new-protests",
        "C-socioeconomic-rights",
    }
    assert required <= set(registry.ids())


def test_facts_have_sources(registry: Registry) -> None:
    assert [f.id for f in registry.facts if not f.source.strip()] == []


def test_unverified_facts_say_so(registry: Registry) -> None:
    for fact in registry.facts:
        if not fact.verified:
            assert "unverified" in (fact.statement + fact.source).lower(), fact.id


def test_fact_values_match_baseline(registry: Registry, claims: types.ModuleType) -> None:
    data = yaml.safe_load(claims.BASELINE_PATH.read_text(encoding="utf-8"))
    mismatches = []
    for fact in registry.facts:
        for p in fact.parameters:
            if p.value is None:
                continue
            try:
                actual = claims.yaml_value(data, p.path)
            except KeyError:
                actual = "<not set in the file>"
            if actual != p.value:
                mismatches.append(f"{fact.id}: {p.path} = {actual!r}, fact says {p.value!r}")
    assert mismatches == [], "\n".join(mismatches)


ELITE_SECTIONS = ("camps.", "government.purge", "government.guarantee", "government.tandem",
                  "government.removal", "government.threat", "expectations.", "patron.cost",
                  "opposition.", "triggers.", "order.")  # fmt: skip


def test_elite_parameters_have_a_stated_range_that_holds_the_baseline(
    registry: Registry, claims: types.ModuleType
) -> None:
    """Every hand-set number of the elite layer states its plausible range (issue 9), and the
    baseline's value lies inside it."""
    data = yaml.safe_load(claims.BASELINE_PATH.read_text(encoding="utf-8"))
    ranges = registry.ranges()
    calibrated = {"expectations.protest_weight"}
    elite = {
        p
        for p in claims.numeric_parameter_paths(claims.BASELINE_PATH)
        if p.startswith(ELITE_SECTIONS) and p not in calibrated and not p.endswith(".power")
    }
    assert "camps.family.punishment" in elite  # sanity: the walk found the camps' numbers
    assert sorted(elite - set(ranges)) == []
    outside = [
        f"{p} = {claims.yaml_value(data, p)} not in {r}"
        for p, r in ranges.items()
        if p in elite and not r[0] <= claims.yaml_value(data, p) <= r[1]
    ]
    assert outside == []


def test_claims_give_directions(registry: Registry) -> None:
    for claim in registry.claims:
        assert claim.mechanism.strip(), claim.id
        assert all(p.direction.strip() for p in claim.parameters), claim.id


# -- the functions themselves, on small inputs ----------------------------------------------------
def test_numeric_paths_naming(tmp_path: Path, claims: types.ModuleType) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: x\n"
        "days: 10\n"
        "crowd: {movement: true, vision: 5, hardship: {low: 0.1}}\n"
        "violence: {protester_lethality: [0, 0, 0.1, 0.2]}\n"
        "regions:\n"
        "  - {name: A, urban_population: 10, sites: [{name: hall, weight: 2}, {name: gate}]}\n"
        "shocks:\n"
        "  - {day: 0, label: go, region: A, hardship: 0.3}\n",
        encoding="utf-8",
    )
    assert claims.numeric_parameter_paths(scenario) == {
        "days",
        "crowd.vision",
        "crowd.hardship.low",
        "violence.protester_lethality",
        "regions.A.urban_population",
        "regions.A.sites.hall.weight",
        "shocks.0.day",
        "shocks.0.hardship",
    }


def test_coverage_by_prefix(claims: types.ModuleType) -> None:
    registry = claims.Registry(
        claims=[],
        facts=[],
        assumptions=[claims.Assumption("A-x", ["links", "crowd.vision"], "because")],
    )
    paths = {"links.0.weight", "crowd.vision", "crowd.visionary", "days"}
    assert claims.coverage(registry, paths)["links.0.weight"] == ["A-x"]
    assert claims.uncovered(registry, paths) == ["crowd.visionary", "days"]


def test_schema_check_rejects_bad_paths(claims: types.ModuleType) -> None:
    registry = claims.Registry(
        claims=[],
        facts=[],
        assumptions=[
            claims.Assumption(
                "A-x",
                [
                    "crowd.visoin",
                    "regions.Atlantis.urban_population",
                    "shocks.first.day",
                    "crowd.vision.x",
                    "factions.anything.loyalty.family",
                    "regions.Almaty.sites.KNB building.weight",
                    "factions.guard.deployment.Almaty",
                    "patron.delay_days.1",
                ],
                "test",
            )
        ],
    )
    problems = claims.schema_paths_exist(registry)
    assert len(problems) == 4
    assert all(
        bad in "\n".join(problems)
        for bad in ("crowd.visoin", "Atlantis", "shocks.first.day", "crowd.vision.x")
    )


def test_code_references_finds_multi_id_brackets(tmp_path: Path, claims: types.ModuleType) -> None:
    (tmp_path / "transition_sim").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "transition_sim" / "m.py").write_text("# x [C-a, F-b-2]\n# [A-c]\n")
    (tmp_path / "docs" / "d.md").write_text("see [C-a] and [not-an-id]\n")
    refs = claims.code_references(tmp_path)
    assert refs == {
        "C-a": ["transition_sim/m.py:1", "docs/d.md:1"],
        "F-b-2": ["transition_sim/m.py:1"],
        "A-c": ["transition_sim/m.py:2"],
    }


def test_print_claims(registry: Registry, claims: types.ModuleType) -> None:
    console = Console(record=True, width=200)
    claims.print_claims(console)
    text = console.export_text()
    assert "C-knb-disloyal" in text and "F-csto-troops" in text and "A-epstein-crowd" in text
    assert "core/actors.py" in text


def test_every_assumption_sourced_number_has_a_prior(
    registry: Registry, claims: types.ModuleType
) -> None:
    """Each number an assumption sets and no fact pins gets a prior (or is listed as fixed,
    with a reason), and every prior is a number of the baseline inside its range."""
    priors = claims.load_priors()
    paths = claims.numeric_parameter_paths(claims.BASELINE_PATH)
    assert claims.unprioried(registry, priors, paths) == []
    assert [str(p) for p in claims.prior_problems(priors)] == []
    assert all(a.parameters for a in registry.assumptions)
    fixed = set(priors.fixed)
    assert not fixed & {p.path for p in priors.priors}, "a path both drawn and fixed"


def test_unprioried_catches_a_missing_prior(registry: Registry, claims: types.ModuleType) -> None:
    priors = claims.load_priors()
    fewer = type(priors)(
        priors.file,
        tuple(p for p in priors.priors if p.path != "crowd.arrest_constant"),
        priors.fixed,
        priors.coupled,
    )
    paths = claims.numeric_parameter_paths(claims.BASELINE_PATH)
    assert claims.unprioried(registry, fewer, paths) == ["crowd.arrest_constant"]


def test_every_claim_has_a_checkable_expectation_or_the_reason_it_has_none(
    registry: Registry, claims: types.ModuleType
) -> None:
    """Issue 16: each directional claim can be run by `check-claims`; the others say why not.
    Loading validates every entry (scenarios, paths, outcomes, directions)."""
    expectations, untested = claims.load_expectations()
    accounted = {e.claim for e in expectations} | {u.claim for u in untested}
    assert accounted == {c.id for c in registry.claims}
    assert not {e.claim for e in expectations} & {u.claim for u in untested}
    assert all(u.reason.strip() for u in untested)
