"""``jiesu run``: one simulation, written to a results folder with figures and manifest."""

from __future__ import annotations

from pathlib import Path

from jiesu.experiments.cli.options import (
    add_figure_options,
    add_run_options,
    draw_to_files,
    load_posterior,
    output_folder,
    overrides_from,
    say,
)


def add_parser(sub) -> None:
    """Register ``jiesu run``."""
    run = sub.add_parser("run", help="run one simulation and write its results folder")
    run.add_argument(
        "scenario", nargs="?", default="beijing", help="built-in name or .toml path (default: beijing)"
    )
    add_run_options(run)
    add_figure_options(run)


def main(args, argv: list[str]) -> int:
    """``jiesu run``: one simulation, written to a results folder with figures and manifest."""
    from jiesu.experiments.scenarios import load_scenario
    from jiesu.experiments.scenarios.preflight import check_run

    scenario = load_scenario(args.scenario)
    overrides = overrides_from(args)
    params = scenario.params(overrides)
    notes = check_run(scenario, overrides)
    posterior = load_posterior(args)
    from jiesu.experiments.figures.pool import FigurePool, workers_for

    workers = workers_for(len(args.figures) if args.figures is not None else n_default_figures(params))
    with output_folder(args, "run", scenario.name) as out, FigurePool(workers, args.lang) as pool:
        say(f"jiesu run: {scenario.name}, {params.start} to {params.end}, seed {args.seed} -> {out}/")
        for note in notes:
            say(f"note: {note}")

        from jiesu.experiments.designs.run import check_figures, default_run_id, save_run
        from jiesu.experiments.execution.progress import Progress
        from jiesu.experiments.execution.runner import build_model, run_model

        model = build_model(
            scenario,
            overrides,
            seed=args.seed,
            run_id=default_run_id(scenario.name, args.seed),
            posterior=posterior,
        )
        check_figures(args.figures, model.n_cities)
        bar = Progress(len(model.months), scenario.name, "month")
        output = run_model(model, progress=bar.update)
        bar.close()
        if args.figures != ():
            draw_to_files()
        save_run(
            output, scenario, model.geography, out, args.lang, ["jiesu", *argv], parents=True,
            figures=args.figures, formats=args.figure_formats, pool=pool,
        )  # fmt: skip
    _summarise(output, out)
    return 0


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


def n_default_figures(params) -> int:
    """How many figures a run with these parameters draws by default."""
    from jiesu.experiments.designs.run import default_figures
    from jiesu.experiments.scenarios.preflight import geography_of

    return len(default_figures(geography_of(params).n))
