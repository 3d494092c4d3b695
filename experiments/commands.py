"""What each ``jiesu`` subcommand does (argument parsing is in :mod:`experiments.cli`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tqdm.auto import tqdm

from experiments import figures
from experiments.runner import build_model, run_model
from experiments.scenarios import builtin_names, load_scenario
from experiments.storage import (
    base_manifest,
    check_destination,
    default_out,
    staged_folder,
    write_json,
    write_parquet,
)
from model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES
from model.parameters import PARAMS, parse_assignment


def add_experiment_parsers(sub) -> None:
    """Register the experiment subcommands (compare, sweep, analyze)."""
    from experiments import compare, sweep

    compare.add_parser(sub)
    sweep.add_parsers(sub)


def dispatch(args, argv: list[str]) -> int:
    """Run the subcommand named in ``args``."""
    if args.command == "run":
        return cmd_run(args, argv)
    if args.command == "params":
        return cmd_params(args)
    if args.command == "scenarios":
        return cmd_scenarios(args)
    from experiments import compare, sweep

    if args.command == "compare":
        return compare.cmd_compare(args, argv)
    return sweep.dispatch(args, argv)


def overrides_from(args) -> dict:
    """Parameter overrides from ``--set``, ``--start`` and ``--end``."""
    overrides = dict(parse_assignment(a) for a in getattr(args, "assignments", []) or [])
    for key in ("start", "end"):
        if getattr(args, key, None):
            overrides[key] = getattr(args, key)
    return overrides


def cmd_run(args, argv: list[str]) -> int:
    """``jiesu run``: one simulation, written to a results folder with figures and manifest."""
    scenario = load_scenario(args.scenario)
    model = build_model(
        scenario, overrides_from(args), seed=args.seed, run_id=f"{scenario.name}-s{args.seed}"
    )
    out = args.out or default_out("run", scenario.name)
    check_destination(out)
    bar = tqdm(
        total=len(model.months),
        desc=f"{scenario.name}",
        unit="month",
        leave=False,
        disable=None,
        file=sys.stderr,
    )
    output = run_model(model, progress=bar.update)
    bar.close()
    with staged_folder(out) as tmp:
        write_parquet(output.timeseries, tmp / "timeseries.parquet")
        write_parquet(output.adoptions, tmp / "adoptions.parquet")
        written = _run_figures(output, model, tmp, args.lang)
        manifest = base_manifest(["jiesu", *argv])
        manifest.update(
            {
                "kind": "run",
                "scenario": scenario.to_dict(),
                "run": output.info,
                "outcomes": {
                    o.name: {"unit": o.unit, "meaning": o.meaning} for o in (*OUTCOMES, *AGGREGATE_OUTCOMES)
                },
                "files": ["timeseries.parquet", "adoptions.parquet", *written],
            }
        )
        write_json(manifest, tmp / "manifest.json")
    _summarise(output, out)
    return 0


def _run_figures(output, model, folder: Path, lang: str) -> list[str]:
    ts, ev = output.timeseries, output.adoptions
    pioneer_adopt = ev[(ev["event"] == "adopt") & (ev["channel"] == "pioneer")]
    marks = {m: figures.t("reform", lang) for m in pioneer_adopt["month"].unique()[:1]}
    unit = None if model.n_cities > 1 else model.geography.unit_id[0]
    paths = figures.save(figures.rates_figure(ts, unit, lang, marks), folder, "rates")
    if model.n_cities > 1:
        paths += figures.save(figures.adoption_figure(ts, ev, lang), folder, "adoption")
        paths += figures.save(figures.map_figure(ts, ev, model.geography, lang), folder, "adoption_map")
    return [p.name for p in paths]


def _summarise(output, out: Path) -> None:
    ts, ev = output.timeseries, output.adoptions
    top = ts[ts["level"] == "national"] if (ts["level"] == "national").any() else ts
    last = top.sort_values("month").iloc[-1]
    print(
        f"wrote {out}/ ({output.info['wall_seconds']:.1f} s wall time, "
        f"{output.info['n_citizens']:,} citizens, {output.info['n_cities']} cities)"
    )
    print(
        f"  {last['month']}: response {last['response_rate']:.3f}, resolution {last['resolution_rate']:.3f}, "
        f"satisfaction {last['satisfaction_rate']:.3f}, requests {last['requests']:,.0f}/month"
    )
    adopts = ev[(ev["event"] == "adopt") & (ev["level"] == "city")]
    if output.info["n_cities"] > 1 and len(adopts):
        shares = adopts["channel"].value_counts(normalize=True)
        print(
            "  adoptions by channel: "
            + ", ".join(f"{k} {v:.1%}" for k, v in shares.items())
            + f" ({len(adopts)} adoptions)"
        )


def cmd_params(args) -> int:
    """``jiesu params``: every parameter with default, unit, range, meaning and source."""
    rows = [
        {
            "name": p.name,
            "default": p.default,
            "unit": p.unit,
            "range": p.describe_range(),
            "group": p.group,
            "meaning": p.meaning,
            "source": p.source,
        }
        for p in PARAMS
    ]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    group = None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            print(f"\n# {group}")
        print(f"{r['name']:<30} {r['default']!s:<14} {r['unit']:<24} {r['range']}")
        print(f"{'':<30} {r['meaning']} [source: {r['source']}]")
    return 0


def cmd_scenarios(args) -> int:
    """``jiesu scenarios``: built-in scenarios with one-line descriptions."""
    for name in builtin_names():
        s = load_scenario(name)
        if args.lang == "zh":
            print(f"{name:<14} {s.name_zh}：{s.description_zh}")
        else:
            print(f"{name:<14} {s.description}")
    return 0
