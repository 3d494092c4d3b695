"""``jiesu eha``: discrete-time event-history models of a results folder, with recovery tables."""

from __future__ import annotations

from pathlib import Path

from jiesu.experiments.analysis.choices import CLUSTERS, DURATIONS, LINKS, PERIODS


def add_parser(sub) -> None:
    """Register ``jiesu eha``."""
    p = sub.add_parser(
        "eha", help="logit and cloglog hazard models of adoption, with the simulator's true effects beside"
    )
    p.add_argument("folder", type=Path, help="a run, compare or sweep folder (its panel/ is used if written)")
    p.add_argument(
        "--period", choices=PERIODS, default="year", help="city-year (default) or city-month panel"
    )
    p.add_argument("--link", choices=(*LINKS, "both"), default="both", help="hazard model (default both)")
    p.add_argument(
        "--duration", choices=DURATIONS, default="spline", help="duration dependence (default spline)"
    )
    p.add_argument("--cluster", choices=CLUSTERS, default="auto", help="clustering of standard errors")
    p.add_argument("--formula", help='own specification, e.g. "event ~ nbr_share_geo + C(period)"')
    p.add_argument("--out", type=Path, help="output folder (default: FOLDER/eha)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figures")


def main(args, argv: list[str]) -> int:
    """Fit, write the tables and figures, and print the recovery tables."""
    import pandas as pd
    from jiesu.experiments.designs.event_history import save_eha

    links = LINKS if args.link == "both" else (args.link,)
    res = save_eha(
        args.folder,
        args.out,
        args.period,
        links,
        args.lang,
        ["jiesu", *argv],
        formula=args.formula,
        duration=args.duration,
        cluster=args.cluster,
    )
    columns = ["mechanism", "true_effect", "estimate", "z", "true_sign", "estimated_sign", "verdict"]
    with pd.option_context("display.width", 140, "display.precision", 4):
        for fit in res["fits"]:
            table = res["recovery"]
            mine = table[(table["model"] == fit.label) & (table["link"] == fit.link)]
            facts = f"N = {fit.n:,}, events = {fit.events:,}, clustered by {fit.cluster}"
            print(f"\n{fit.label}, {fit.link}: {facts}")
            print(mine[columns].to_string(index=False))
            for note in fit.notes:
                print(f"  note: {note}")
    print(f"\nwrote {res['out']}/ ({res['seconds']:.0f} s): coefficients.md, recovery.md, figures")
    return 0
