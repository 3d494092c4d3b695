"""``jiesu params`` and ``jiesu scenarios``: what can be set, and what is built in."""

from __future__ import annotations

import json

#: Parameter groups in Chinese (``jiesu params --lang zh``); names and meanings stay English,
#: since ``--set`` and scenario files use the English names.
GROUPS_ZH = {
    "time and scale": "时间与规模",
    "citizens": "市民",
    "government": "政府：接诉与办理",
    "evaluation": "考核评价",
    "proactive governance": "主动治理",
    "pioneer": "首创城市",
    "diffusion": "扩散",
    "fit": "适配性",
}


def add_parser(sub) -> None:
    """Register ``jiesu params`` and ``jiesu scenarios``."""
    params = sub.add_parser("params", help="list every parameter with default, unit, range, meaning, source")
    params.add_argument("--json", action="store_true", help="machine-readable output")
    params.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the headings")
    scen = sub.add_parser("scenarios", help="list the built-in scenarios")
    scen.add_argument("--lang", choices=("en", "zh"), default="en")


def main(args, argv: list[str]) -> int:
    """Run ``params`` or ``scenarios``."""
    return params(args) if args.command == "params" else scenarios(args)


def params(args) -> int:
    """``jiesu params``: every parameter with default, unit, range, meaning and source."""
    from jiesu.model.parameters import PARAMS, calibrated_sources

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
    zh = args.lang == "zh"
    if zh:
        print("参数名、含义与来源为英文（--set NAME=VALUE 与情景文件使用英文参数名）。")
        print("每行：参数名  默认值  单位  取值范围")
    source = "来源" if zh else "source"
    group = None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            print(f"\n# {GROUPS_ZH.get(group, group)} ({group})" if zh else f"\n# {group}")
        print(f"{r['name']:<30} {r['default']!s:<14} {r['unit']:<24} {r['range']}")
        print(f"{'':<30} {r['meaning']} [{source}: {r['source']}]")
    return 0


def scenarios(args) -> int:
    """``jiesu scenarios``: built-in scenarios with one-line descriptions."""
    from jiesu.experiments.scenarios import builtin_names, load_scenario

    for name in builtin_names():
        s = load_scenario(name)
        if args.lang == "zh":
            print(f"{name:<14} {s.name_zh}：{s.description_zh}")
        else:
            print(f"{name:<14} {s.description}")
    return 0
