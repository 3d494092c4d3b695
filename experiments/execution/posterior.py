"""Posteriors of calibrated parameters, and drawing one particle per replicate.

A posterior is the last generation of a calibration: one row per particle with its weight and
its parameter values. ``beijing`` names the posterior the project ships
(``model/data/beijing_posterior.parquet``, made by the command in ``beijing_posterior.md``); a
calibration folder names its own. Replicate ``r`` of root seed ``s`` draws its particle from its
own stream (``posterior`` of :mod:`jiesu.model.streams`), so every scenario of a comparison uses
the same particle in replicate ``r`` (common random numbers) and any run can be replayed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.experiments.errors import UsageError
from jiesu.model.streams import make_streams

#: Posteriors shipped with the project, by name.
SHIPPED = {"beijing": "beijing_posterior.parquet"}


@dataclass(frozen=True)
class Posterior:
    """Weighted particles of calibrated parameters.

    Attributes:
        particles: One row per particle: ``particle``, ``weight`` and one column per parameter.
        parameters: The calibrated parameters' names.
        source: Where it came from (a shipped name or a folder), recorded in manifests.
    """

    particles: pd.DataFrame
    parameters: tuple[str, ...]
    source: str

    @classmethod
    def load(cls, name_or_folder: str | Path) -> Posterior:
        """The shipped posterior of that name, or the last generation of a calibration folder.

        Raises:
            UsageError: If neither exists, naming what was looked for.
        """
        key = str(name_or_folder)
        if key in SHIPPED:
            with resources.as_file(resources.files("jiesu.model.data").joinpath(SHIPPED[key])) as path:
                if not path.is_file():
                    raise UsageError(
                        f"the shipped posterior {key!r} is missing: run `jiesu calibrate {key} --ship`"
                    )
                table = pd.read_parquet(path)
        else:
            path = Path(key) / "posterior.parquet"
            if not path.is_file():
                known = ", ".join(SHIPPED)
                raise UsageError(
                    f"--posterior {key!r}: no {path}; give a calibration folder or a shipped name ({known})"
                )
            table = pd.read_parquet(path)
            table = table[table["generation"] == table["generation"].max()]
        table = table.reset_index(drop=True)
        skip = {"generation", "particle", "weight", "distance"}
        names = tuple(c for c in table.columns if c not in skip and not c.startswith("sim_"))
        particles = table[["weight", *names]].copy()
        particles.insert(0, "particle", np.arange(len(particles)))
        return cls(particles, names, key)

    def draw(self, seed: int, replicate: int) -> tuple[int, dict[str, float]]:
        """The particle of replicate ``replicate`` of root seed ``seed``: its index and values."""
        weights = self.particles["weight"].to_numpy(dtype=float)
        rng = make_streams(seed, replicate)["posterior"]
        index = int(rng.choice(len(weights), p=weights / weights.sum()))
        row = self.particles.iloc[index]
        return index, {name: float(row[name]) for name in self.parameters}

    def summary(self) -> pd.DataFrame:
        """Per parameter: the weighted median and 90 % interval."""
        w = self.particles["weight"].to_numpy(dtype=float)
        rows = []
        for name in self.parameters:
            x = self.particles[name].to_numpy(dtype=float)
            order = np.argsort(x)
            cum = np.cumsum(w[order]) / w.sum()
            q = [float(x[order][np.searchsorted(cum, level)]) for level in (0.05, 0.5, 0.95)]
            rows.append({"parameter": name, "q05": q[0], "median": q[1], "q95": q[2]})
        return pd.DataFrame(rows)


def ship(folder: Path, spec) -> list[Path]:
    """Copy a finished calibration's last generation into ``model/data`` as the shipped posterior."""
    import json

    from jiesu.experiments.outputs.storage import write_atomic, write_parquet

    folder = Path(folder)
    target = Path(str(resources.files("jiesu.model.data")))
    table = pd.read_parquet(folder / "posterior.parquet")
    last = table[table["generation"] == table["generation"].max()].reset_index(drop=True)
    parquet = target / f"{spec.name}_posterior.parquet"
    write_parquet(last, parquet)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    diagnostics = pd.read_csv(folder / "diagnostics.csv", encoding="utf-8-sig")
    note = target / f"{spec.name}_posterior.md"
    write_atomic(note, lambda p: p.write_text(_note(spec, manifest, diagnostics, last), encoding="utf-8"))
    shutil.copyfile(folder / "spec.toml", target / f"{spec.name}_posterior.toml")
    summary = target / f"{spec.name}_posterior_summary.csv"
    table = Posterior(last.assign(particle=np.arange(len(last))), tuple(spec.priors), spec.name).summary()
    write_atomic(summary, lambda p: table.to_csv(p, index=False, float_format="%.6g"))
    return [parquet, note, target / f"{spec.name}_posterior.toml", summary]


def _note(spec, manifest: dict, diagnostics: pd.DataFrame, last: pd.DataFrame) -> str:
    summary = Posterior(last.assign(particle=np.arange(len(last))), tuple(spec.priors), spec.name).summary()
    lines = [
        f"# The shipped posterior `{spec.name}`",
        "",
        "Made by `jiesu calibrate` (ABC-SMC, pyabc) and copied here by `--ship`; regenerate it only with:",
        "",
        f"    uv run --extra calibration jiesu calibrate {spec.name} --workers 2 \\",
        f"        --out results/calibrate-{spec.name} --ship",
        "",
        f"- calibration file: `{spec.name}_posterior.toml`, a copy of "
        f"`experiments/calibrations/{spec.name}.toml`",
        f"- seed {spec.seed}; population {spec.population}; at most {spec.generations} generations",
        f"- generations run: {manifest['generations_done']}; simulations: {manifest['simulations']}; "
        f"wall time {manifest['wall_seconds']:.0f} s with the command above",
        f"- jiesu {manifest['versions']['jiesu']}, git commit `{str(manifest.get('git_commit'))[:12]}`, "
        f"created {manifest['created']}",
        "- data: `model/data/beijing_calibration.csv`, periods up to 2021 only",
        "",
        "## Diagnostics per generation",
        "",
        *_markdown(diagnostics.round(4)),
        "",
        "## Parameters: median [90 % interval]",
        "",
        *_markdown(summary.round(5)),
        "",
    ]
    return "\n".join(lines)


def _markdown(df: pd.DataFrame) -> list[str]:
    """A DataFrame as the lines of a Markdown table."""
    rows = [[str(c) for c in df.columns], ["---"] * len(df.columns)]
    rows += [[f"{v:g}" if isinstance(v, float) else str(v) for v in r] for r in df.itertuples(index=False)]
    return ["| " + " | ".join(r) + " |" for r in rows]
