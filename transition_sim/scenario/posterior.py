"""A fitted posterior (the ABC-SMC fit's ``posterior.parquet``), read, checked and drawn from.

The file (written by the fit, read here; the format is agreed and fixed): one row per particle
of the final generation, columns ``particle`` (int64), ``weight`` (float64, summing to 1), then
one float64 column per fitted parameter named by its address in the scenario
(`transition_sim.scenario.address`). The Parquet schema metadata key ``transition_sim`` holds
JSON with ``"kind": "posterior"`` and the fit's provenance (spec, hashes, priors, generations)
and, since session 17, ``"rules"``: the model rules the fit held fixed (`RULES`, `model_rules`),
each value at its address.

A scenario names one with ``from_posterior: PATH`` (a folder holding ``posterior.parquet``, or
the file itself; relative to the scenario file that writes it). A replication's draw takes one
particle by weight from the draw's seed (`draw_particle`), so the draws depend on (base seed,
replication, seeds per draw) only, like the priors' (`transition_sim.ensemble.uncertainty`).

Rules. A particle's values mean what they mean under the rules the fit ran (the exact arrest
ratio gives the same contagion another effect than the rounded one). A scenario that draws
from a posterior must run those rules: `rule_mismatches` lists the rules it changes, and every
path that draws (``run``, ``check-claims``, ``backtest --loo``, a counterfactual's draws in
`transition_sim.ensemble.uncertainty.own_values_kept`) refuses it (`RulesMismatch`). A posterior
written before the record (no ``"rules"`` key) is drawn from with one warning that its rules are
unknown (`rules_unknown`): they cannot be established from the file alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "FILE_NAME",
    "KIND",
    "METADATA_KEY",
    "POSTERIOR_STREAM",
    "RULES",
    "RULES_KEY",
    "RUN_REMEDY",
    "Posterior",
    "PosteriorError",
    "RulesMismatch",
    "check_rules",
    "column_problems",
    "draw_particle",
    "model_rules",
    "posterior_file",
    "read_posterior",
    "record_rules",
    "rule_mismatches",
    "rules_unknown",
    "unknown_columns",
    "write_posterior",
]

FILE_NAME = "posterior.parquet"
METADATA_KEY = b"transition_sim"
KIND = "posterior"
RESERVED = ("particle", "weight")
MAX_BYTES = 1 << 28  # 256 MiB: a posterior of 10^6 particles x 30 parameters is about 250 MB
# The stream a draw's particle is chosen from: [draw seed, POSTERIOR_STREAM], unrelated to the
# crowd's (seeded with the replication seed alone) and to the priors' (`claims.PRIOR_STREAM`).
POSTERIOR_STREAM = 0x504F5354  # "POST"


# The settings that choose the model's rules, as opposed to a case's facts (its actors, sizes,
# loyalties, events: what a counterfactual changes on purpose) and to a mechanism's rates (what
# priors and fits draw). Criterion: every choice between formulations of the citizens' rule (each
# Literal or bool field of `schema.Crowd`), every variation of Epstein's rule that is off at its
# default (`schema.BLOCKS_REFUSE`, which blocks do not implement), and the neighbourhood a citizen
# reads (in cells or in residents, and how far). tests/test_posterior_rules.py checks that every
# Literal or bool field of Crowd and every BLOCKS_REFUSE entry is listed. A fit records their
# values (`model_rules`); a rule a posterior holds as a column is drawn, not compared.
RULES: tuple[str, ...] = (
    "crowd.representation",
    "crowd.arrest_ratio",
    "crowd.activation",
    "crowd.movement",
    "crowd.neighborhood",
    "crowd.vision",
    "crowd.vision_people",
    "crowd.hardship_skew",
    "crowd.gathering",
    "crowd.guarding",
)
RULES_KEY = "rules"


class PosteriorError(ValueError):
    """A posterior file that cannot be used (the caller locates it: file, line, field)."""


class RulesMismatch(PosteriorError):
    """A scenario that runs another rule than the posterior's fit: ``field`` is the first such
    rule's address (the caller locates it in the scenario's file); `str()` is ``field: message``."""

    def __init__(self, message: str, field: str) -> None:
        self.message, self.field = message, field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Posterior:
    """The particles of a posterior as plain data (picklable, sent to workers)."""

    file: str
    columns: tuple[str, ...]  # the addresses, in file order
    particles: tuple[int, ...]
    weights: tuple[float, ...]  # normalised to sum to 1
    values: tuple[tuple[float, ...], ...]  # one row per particle, in `columns` order
    sha256: str = ""  # of the file's bytes: what the draws depend on
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __len__(self) -> int:
        return len(self.particles)

    def particle(self, index: int) -> dict[str, float]:
        """The values of the particle at row ``index``, by address."""
        return dict(zip(self.columns, self.values[index], strict=True))


def posterior_file(path: str | Path) -> Path:
    """The posterior file ``path`` names: the file itself, or a folder's ``posterior.parquet``."""
    path = Path(path)
    return path / FILE_NAME if path.is_dir() else path


def read_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior file (or a folder holding one); `PosteriorError` saying what
    is wrong: missing or unreadable, not a posterior (metadata kind), no particle or weight
    column, a non-numeric column, or weights that are negative, not finite or all zero."""
    import pyarrow as pa  # here: loading a scenario without a posterior stays light
    import pyarrow.parquet as pq

    file = posterior_file(path)
    try:
        mode = file.stat()
        if not stat.S_ISREG(mode.st_mode):  # a device or a pipe could be read forever
            raise PosteriorError(f"the posterior {file} is not a regular file")
        if mode.st_size > MAX_BYTES:
            raise PosteriorError(f"the posterior {file} is over {MAX_BYTES >> 20} MiB")
        raw = file.read_bytes()
    except (OSError, ValueError) as err:
        if isinstance(err, PosteriorError):
            raise
        reason = getattr(err, "strerror", None) or err
        raise PosteriorError(f"cannot read the posterior {file}: {reason}") from None
    try:
        # One thread: a small file, and Arrow's thread pool started here aborted the process
        # at exit now and then ("terminate called without an active exception": `validate`
        # of the 38 shipped files, 5 of 20 runs; 0 of 20 without the pool). One file, so
        # `ParquetFile`: `pq.read_table` imports pyarrow.dataset, which imports pandas.
        table = pq.ParquetFile(pa.BufferReader(raw)).read(use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise PosteriorError(f"{file} is not a Parquet file ({err})") from None
    metadata = _metadata(table.schema.metadata or {}, file)
    names = table.column_names
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # Arrow cannot name one of them (KeyError)
        raise PosteriorError(f"{file}: column {twice[0]!r} appears more than once")
    for name in RESERVED:
        if name not in names:
            raise PosteriorError(f"{file} has no {name!r} column (columns: {', '.join(names)})")
    columns = tuple(n for n in names if n not in RESERVED)
    if not columns:
        raise PosteriorError(f"{file} has no parameter column")
    for name in (*RESERVED, *columns):
        if not (pa.types.is_floating(table[name].type) or pa.types.is_integer(table[name].type)):
            raise PosteriorError(f"{file}: column {name!r} is {table[name].type}, not a number")
    if table.num_rows == 0:
        raise PosteriorError(f"{file} has no particle")
    if table["weight"].null_count or table["particle"].null_count:
        missing = "weight" if table["weight"].null_count else "particle"
        raise PosteriorError(f"{file}: a {missing} is missing (null)")
    weights = [float(w) for w in table["weight"].to_pylist()]
    total = sum(weights)  # the normalizer as it always was (fsum may differ in the last bit)
    if any(not math.isfinite(w) or w < 0 for w in weights) or not 0 < total < math.inf:
        message = "weights must be finite, non-negative and not all zero, and their sum finite"
        raise PosteriorError(f"{file}: {message}")
    rows = list(zip(*(table[c].to_pylist() for c in columns), strict=True))
    if any(v is None or not math.isfinite(float(v)) for row in rows for v in row):
        raise PosteriorError(f"{file}: a parameter value is missing or not finite")
    return Posterior(
        file=str(file),
        columns=columns,
        particles=tuple(int(p) for p in table["particle"].to_pylist()),
        weights=tuple(w / total for w in weights),
        values=tuple(tuple(float(v) for v in row) for row in rows),
        sha256=hashlib.sha256(raw).hexdigest(),
        metadata=metadata,
    )


def _metadata(schema_metadata: Mapping[bytes, bytes], file: Path) -> dict[str, Any]:
    text = schema_metadata.get(METADATA_KEY)
    if text is None:
        raise PosteriorError(f"{file} is not a posterior (no {METADATA_KEY.decode()!r} metadata)")
    try:
        metadata = json.loads(text)
    except ValueError:
        raise PosteriorError(
            f"{file}: its {METADATA_KEY.decode()!r} metadata is not JSON"
        ) from None
    kind = metadata.get("kind") if isinstance(metadata, dict) else None
    if kind != KIND:
        raise PosteriorError(f"{file} is not a posterior (its metadata kind is {kind!r})")
    rules = metadata.get(RULES_KEY, {})
    if not isinstance(rules, dict) or not all(_rule_value(v) for v in rules.values()):
        message = f"{file}: its {RULES_KEY!r} record is not a mapping of addresses to values"
        raise PosteriorError(message)
    return metadata


def _rule_value(value: Any) -> bool:
    """A value a rule can take: a string, a flag, a finite number or none (JSON reads NaN and
    Infinity, which equal no scenario's value: every draw would be refused at the scenario)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, bool, type(None)))


def unknown_columns(posterior: Posterior, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The columns that are not the address of a single number of ``data`` (a scenario as plain
    data), each with the reason."""
    from transition_sim.scenario.address import PathError, base_value

    bad = []
    for column in posterior.columns:
        try:
            base_value(data, column)
        except PathError as err:
            bad.append((column, str(err)))
    return bad


def column_problems(
    posterior: Posterior, data: Mapping[str, Any], what: str = "the scenario"
) -> list[str]:
    """Why the particles cannot run on ``data`` (a scenario as plain data, ``what`` in the
    messages): each column that is not the address of a single number, else the first particle
    the scenario refuses (a draw of it would stop a run midway; 0.3 ms a particle). Empty if
    every particle can run."""
    from transition_sim.scenario.address import refusal

    unknown = unknown_columns(posterior, data)
    if unknown:
        return [f"column {c!r} is not an address of {what}: {why}" for c, why in unknown]
    for row in dict.fromkeys(posterior.values):
        why = refusal(data, dict(zip(posterior.columns, row, strict=True)))
        if why is not None:
            shown = ", ".join(f"{c}={v:g}" for c, v in zip(posterior.columns, row, strict=True))
            return [f"{what} refuses a particle ({shown}): {why}"]
    return []


def draw_particle(posterior: Posterior, draw_seed: int) -> int:
    """The row of the particle a draw takes: by weight, from ``draw_seed`` alone."""
    import numpy as np

    u = np.random.default_rng([draw_seed, POSTERIOR_STREAM]).random()
    cumulative = np.cumsum(posterior.weights)
    return int(
        min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(posterior) - 1)
    )


def write_posterior(
    folder: str | Path,
    values: Mapping[str, Sequence[float]],
    weights: Sequence[float],
    metadata: Mapping[str, Any],
) -> Path:
    """Write a posterior file in the agreed format (for tests and for posteriors made of prior
    draws; the fit writes its own), atomically. ``metadata`` gets ``"kind": "posterior"``."""
    import pyarrow as pa

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    total = float(sum(weights))
    columns: dict[str, pa.Array] = {
        "particle": pa.array(range(len(weights)), pa.int64()),
        "weight": pa.array([float(w) / total for w in weights], pa.float64()),
    }
    columns |= {
        name: pa.array([float(v) for v in column], pa.float64()) for name, column in values.items()
    }
    meta = {**metadata, "kind": KIND}
    table = pa.table(columns).replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
    return _write(table, folder / FILE_NAME)


def _write(table: pa.Table, target: Path) -> Path:
    """Write ``table`` to ``target`` atomically (a temporary file beside it, then renamed)."""
    import os
    import tempfile

    import pyarrow.parquet as pq

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".posterior-", suffix=".parquet")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def model_rules(data: Mapping[str, Any]) -> dict[str, Any]:
    """The value of each of `RULES` in ``data`` (a scenario as plain data), by address; a vision
    given by neither field is the cells it defaults to (`Scenario.vision_cells`), so that a
    scenario leaving it out runs the rule of one that writes the default."""
    from transition_sim.scenario.schema import Scenario

    rules = {address: _value_at(data, address) for address in RULES}
    if rules["crowd.vision"] is None and rules["crowd.vision_people"] is None:
        rules["crowd.vision"] = Scenario(name="defaults").vision_cells()
    return rules


def _value_at(data: Mapping[str, Any], address: str) -> Any:
    node: Any = data
    for part in address.split("."):
        node = node[part]
    return node


def rule_mismatches(posterior: Posterior, data: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """The rules ``data`` (a scenario as plain data) runs otherwise than the posterior's fit, as
    (address, the scenario's value, the fit's value); none if the posterior records no rules. A
    rule the record lacks (added to the schema after the fit) counts at its default, since a new
    rule's default is, by this project's rule, the model as it was before it (golden hashes)."""
    from transition_sim.scenario.schema import Scenario

    recorded = posterior.metadata.get(RULES_KEY)
    if recorded is None:
        return []
    defaults = model_rules(Scenario(name="defaults").model_dump(mode="json"))
    out = []
    for address, ours in model_rules(data).items():
        if address in posterior.columns:
            continue  # drawn: the particle sets it
        theirs = recorded.get(address, defaults[address])
        if ours != theirs:
            out.append((address, ours, theirs))
    return out


# What to do instead, by default (`run`'s options); other commands name theirs.
RUN_REMEDY = (
    "run at point values (--point), draw from the priors (--uncertainty prior), or draw from a"
    " posterior fitted under this rule (--posterior DIR)"
)


def check_rules(
    posterior: Posterior,
    data: Mapping[str, Any],
    scenario: str = "the scenario",
    remedy: str = RUN_REMEDY,
) -> None:
    """Refuse (`RulesMismatch`; the caller locates its field in the scenario's file) a scenario
    (plain data; ``scenario`` names it in the message, ``remedy`` says what to do instead) that
    runs another rule than the posterior's fit; warn once (`rules_unknown`) if the posterior
    records none."""
    if RULES_KEY not in posterior.metadata:
        rules_unknown(posterior)
        return
    mismatches = rule_mismatches(posterior, data)
    if not mismatches:
        return
    address, ours, theirs = mismatches[0]
    more = "".join(f"; and {a}: {_shown(o)} (fitted: {_shown(t)})" for a, o, t in mismatches[1:])
    message = (
        f"{scenario} runs {_shown(ours)}, but the posterior {posterior.file} was fitted under"
        f" {address}: {_shown(theirs)}{more}. Its parameters mean something else under another"
        f" rule: {remedy}"
    )
    raise RulesMismatch(message, address)


def _shown(value: Any) -> str:
    return json.dumps(value)


_WARNED: set[str] = set()


def rules_unknown(posterior: Posterior) -> None:
    """Say once per file and process, on stderr, that a posterior records no rules (written
    before they were recorded): the scenario's rules cannot be checked against its fit's."""
    import sys

    if posterior.file in _WARNED:
        return
    _WARNED.add(posterior.file)
    print(
        f"warning: the posterior {posterior.file} records no model rules (written before they"
        " were recorded): the scenario's rules (crowd.arrest_ratio, crowd.representation, ...)"
        " are not checked against the fit's; record them (experiments/fit/record_rules.py) or"
        " refit",
        file=sys.stderr,
    )


def record_rules(path: str | Path, rules: Mapping[str, Any]) -> Path:
    """Add ``rules`` (address: value, every one of `RULES`) to the metadata of the posterior at
    ``path``, atomically; the columns (particles, weights, values) are written as they were.
    For a posterior written before the fit recorded its rules (experiments/fit/record_rules.py
    establishes them from its recorded spec and code)."""
    import pyarrow.parquet as pq

    missing = [a for a in RULES if a not in rules]
    if missing:
        raise PosteriorError(f"the rules lack {', '.join(missing)}")
    posterior = read_posterior(path)  # checked first: a posterior, and readable
    file = Path(posterior.file)
    table = pq.read_table(file)
    meta = {**posterior.metadata, RULES_KEY: {a: rules[a] for a in RULES}}
    others = {k: v for k, v in (table.schema.metadata or {}).items() if k != METADATA_KEY}
    table = table.replace_schema_metadata({**others, METADATA_KEY: json.dumps(meta).encode()})
    return _write(table, file)
