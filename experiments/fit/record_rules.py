"""Record the model rules a posterior written before session 17 was fitted under (its metadata's
``"rules"``, `transition_sim.scenario.posterior.RULES`), established from what it records.

    uv run python experiments/fit/record_rules.py [POSTERIOR_DIR] [--write]

How the rules are established, never guessed:

1. the code: the commit of this repository whose package code hashes to the posterior's
   ``code_sha256`` (`ensemble.store.code_hash`, recomputed from git for each commit that touched
   ``transition_sim/`` up to the one that added the posterior); none found: refused;
2. the spec: the fit spec at that commit must hash to the recorded ``spec_sha256``;
3. the base scenario the spec names, and every case, loaded by that commit's own code (a
   subprocess importing the package from ``git archive``), as the fit loaded them; the value of
   each rule the schema had then is read there, and a rule it did not have yet counts at today's
   default (a new rule's default is the model as it was before it: the golden hashes). Every case
   must run the base's rules, or the posterior has no single set to record (refused).

Without ``--write`` it prints the record; with it, writes it into the posterior's metadata
atomically (`posterior.record_rules`) and checks that every column (particles, weights, values)
is byte for byte what it was. The file's sha256 changes (the metadata is in the file): a run
interrupted under the old file resumes only with the old file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "experiments/fit/results/library"

# Run under the fit's own code (PYTHONPATH puts its package first): the base's and the cases'
# crowd sections as that code loads them.
_LOAD = """
import json, sys
from pathlib import Path
from transition_sim.scenario.loader import load_scenario
spec = __import__("yaml").safe_load(Path(sys.argv[1]).read_text())
base = (Path(sys.argv[1]).parent / spec["scenario"]).resolve()
cases = sorted((Path(sys.argv[1]).parent / spec["cases"]).glob("*.yaml"))
out = {"package": __import__("transition_sim").__file__}
out["base"] = load_scenario(base).model_dump(mode="json")
out["cases"] = {f.stem: load_scenario(f).model_dump(mode="json") for f in cases}
print(json.dumps(out))
"""


def git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=True).stdout


def code_hash_at(commit: str) -> str:
    """`ensemble.store.code_hash` of the package as it was at ``commit``."""
    names = git("ls-tree", "-r", "--name-only", commit, "transition_sim").decode().split()
    paths = sorted(Path(n) for n in names if n.endswith(".py") and "__pycache__" not in n)
    files = {p.as_posix(): hashlib.sha256(git("show", f"{commit}:{p}")).hexdigest() for p in paths}
    text = json.dumps(files, indent=2, allow_nan=False) + "\n"
    return hashlib.sha256(text.encode()).hexdigest()


def fit_commit(posterior_file: Path, code_sha256: str) -> str:
    """The commit whose code the fit ran: searched back from the commit that added the file."""
    relative = posterior_file.resolve().relative_to(ROOT).as_posix()
    added = git("log", "--diff-filter=A", "--format=%H", "--", relative).decode().split()
    if not added:
        sys.exit(f"{posterior_file}: not committed, so no commit to search back from")
    commits = git("log", "--format=%H", "-n", "100", added[-1], "--", "transition_sim")
    for commit in commits.decode().split():
        if code_hash_at(commit) == code_sha256:
            return commit
    sys.exit(f"no commit before {added[-1][:8]} has the code the posterior records ({code_sha256})")


def rules_at(commit: str, spec: Path) -> dict[str, Any]:
    """The rules the base scenario of ``spec`` ran at ``commit``, checked against the cases'."""
    from transition_sim.scenario.posterior import RULES, model_rules
    from transition_sim.scenario.schema import Scenario

    defaults = Scenario(name="defaults").model_dump(mode="json")
    with tempfile.TemporaryDirectory(prefix="record-rules-") as tmp:
        archive = git("archive", commit, "transition_sim", "scenarios", "experiments/fit")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        spec_then = Path(tmp) / spec.resolve().relative_to(ROOT)
        env = {"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-c", _LOAD, str(spec_then)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
            check=True,
        )
        spec_sha = hashlib.sha256(spec_then.read_bytes()).hexdigest()
        loaded = json.loads(done.stdout)
        if not Path(loaded["package"]).is_relative_to(tmp):
            sys.exit(f"the scenarios were loaded by {loaded['package']}, not the fit's code")

    def rules(data: dict[str, Any]) -> dict[str, Any]:
        """A rule the schema did not have then runs as its default does now."""
        sections = {address.split(".")[0] for address in RULES}
        return model_rules({s: {**defaults[s], **data[s]} for s in sections})

    base = rules(loaded["base"])
    for case, data in loaded["cases"].items():
        if rules(data) != base:
            sys.exit(f"case {case} ran other rules than the base: {rules(data)} vs {base}")
    return {"rules": base, "spec_sha256": spec_sha, "cases": len(loaded["cases"])}


def column_bytes(file: Path) -> dict[str, str]:
    """The sha256 of each column's values (Arrow buffers), by name."""
    import pyarrow.parquet as pq

    table = pq.read_table(file)
    out = {}
    for name in table.column_names:
        column = table[name].combine_chunks()
        data = b"".join(bytes(b) for b in column.buffers() if b is not None)
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def main() -> None:
    from transition_sim.scenario.posterior import read_posterior, record_rules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posterior", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--spec", type=Path, help="The fit spec (default: beside the results).")
    parser.add_argument("--write", action="store_true", help="Write the record into the file.")
    args = parser.parse_args()
    posterior = read_posterior(args.posterior)
    meta = posterior.metadata
    spec = args.spec or ROOT / "experiments/fit" / meta["spec"]
    commit = fit_commit(Path(posterior.file), meta["code_sha256"])
    found = rules_at(commit, spec)
    if found["spec_sha256"] != meta["spec_sha256"]:
        sys.exit(f"{spec} at {commit[:8]} is not the spec the posterior records")
    print(f"code of commit {commit[:8]}, spec {spec.name} ({found['cases']} cases): rules")
    print(json.dumps(found["rules"], indent=2))
    if "rules" in meta and meta["rules"] != found["rules"]:
        sys.exit(f"{posterior.file} already records other rules: {meta['rules']}")
    if not args.write:
        return
    before = column_bytes(Path(posterior.file))
    record_rules(posterior.file, found["rules"])
    after = column_bytes(Path(posterior.file))
    if after != before:
        sys.exit("the columns changed: not written as they were (restore the file from git)")
    print(f"recorded in {posterior.file}; its {len(after)} columns are byte for byte unchanged")


if __name__ == "__main__":
    main()
