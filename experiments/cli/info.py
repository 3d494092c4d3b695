"""``jiesu params`` and ``jiesu scenarios``: what can be set, and what is built in."""

from __future__ import annotations

import json

from jiesu.experiments.scenarios import builtin_names, load_scenario
from jiesu.model.parameters import PARAMS


def add_parser(sub) -> None:
    """Register ``jiesu params`` and ``jiesu scenarios``."""
    params = sub.add_parser("params", help="list every parameter with default, unit, range, meaning, source")
    params.add_argument("--json", action="store_true", help="machine-readable output")
    scen = sub.add_parser("scenarios", help="list the built-in scenarios")
    scen.add_argument("--lang", choices=("en", "zh"), default="en")


def main(args, argv: list[str]) -> int:
    """Run ``params`` or ``scenarios``."""
    return params(args) if args.command == "params" else scenarios(args)


def params(args) -> int:
    """``jiesu params``: every parameter with default, unit, range, meaning and source."""
    from jiesu.experiments.execution.posterior import calibrated_sources

    calibrated = calibrated_sources()
    rows = [
        {
            "name": p.name,
            "default": p.default,
            "unit": p.unit,
            "range": p.describe_range(),
            "group": p.group,
            "meaning": p.meaning,
            "source": calibrated.get(p.name, p.source),
            "prior": p.describe_prior(),
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


def scenarios(args) -> int:
    """``jiesu scenarios``: built-in scenarios with one-line descriptions."""
    for name in builtin_names():
        s = load_scenario(name)
        if args.lang == "zh":
            print(f"{name:<14} {s.name_zh}：{s.description_zh}")
        else:
            print(f"{name:<14} {s.description}")
    return 0
