"""The report as an A4 PDF, typeset with Typst (the ``typst`` Python package: no LaTeX, no browser).

Text is set in Noto Sans SC, the font the ``zhplot`` package ships (SIL Open Font License), and
only that font and Typst's own embedded fonts are used (system fonts are ignored), so the PDF
embeds the same glyphs on every machine. Figures are embedded as SVG (vector; their text is
drawn as paths). All text from results goes into the Typst source as string literals, so no
character of a scenario name or a command can be read as markup.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
from jiesu.experiments.figures.fonts import FAMILY, font_path
from jiesu.experiments.reports.document import Block, Document


def lit(text: str) -> str:
    """A Typst string literal of ``text``."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def inline(text: str) -> str:
    """Typst markup for ``text`` with ``**bold**`` and ```code``` spans, everything else literal."""
    out = []
    for part in re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", str(text)):
        if not part:
            continue
        if part.startswith("`"):
            out.append(f"#raw({lit(part[1:-1])})")
        elif part.startswith("**"):
            out.append(f"#strong({lit(part[2:-2])})")
        else:
            out.append(f"#{lit(part)}")
    return "".join(out)


def _table(df: pd.DataFrame, small: bool) -> str:
    n = len(df.columns)
    first = "1.2fr" if n > 3 else "auto"
    widths = f"({first}, " + ", ".join(["1fr"] * (n - 1)) + ")" if n > 1 else "(1fr,)"
    head = ", ".join(f"[{inline(c)}]" for c in df.columns)
    cells = ", ".join(f"[{inline(v)}]" for row in df.astype(str).itertuples(index=False) for v in row)
    size = "7.5pt" if small else "8.5pt"
    return (
        f"#text(size: {size})[#table(columns: {widths}, stroke: 0.4pt + luma(200), inset: 4pt, align: left,\n"
        f"  fill: (x, y) => if y == 0 {{ luma(240) }},\n  table.header({head}),\n  {cells})]\n"
    )


def _block(block: Block, images: dict[int, str]) -> str:
    if block.kind == "p":
        return inline(block.content) + "\n"
    if block.kind == "findings":
        return "".join(f"- {inline(f.text)}\n" for f in block.content)
    if block.kind == "list":
        return "".join(f"- {inline(i)}\n" for i in block.content)
    if block.kind == "table":
        caption = f"#strong({lit(block.caption)})\n\n" if block.caption else ""
        return caption + _table(block.content, small=len(block.content.columns) > 4)
    if block.kind == "figure":
        name, width = images[id(block)]
        if width == "fill":  # as large as the rest of the page allows
            image = f'image({lit(name)}, height: 100%, fit: "contain")'
            return f"#block(height: 1fr, width: 100%)[#align(center)[#{image}]]\n"
        return f"#figure(image({lit(name)}, width: {width}), caption: [{inline(block.caption)}])\n"
    raise ValueError(f"unknown block kind {block.kind!r}")


def source(doc: Document, images: dict[int, str]) -> str:
    """The Typst source of the document; ``images`` maps figure blocks to their file names."""
    lang = "zh" if doc.lang == "zh" else "en"
    region = ', region: "cn"' if lang == "zh" else ""
    lines = [
        '#set page(paper: "a4", margin: (x: 1.8cm, top: 1.8cm, bottom: 2cm), numbering: "1")',
        f'#set text(font: "{FAMILY}", size: 10pt, lang: "{lang}"{region})',
        "#set par(justify: false, leading: 0.75em)",
        '#show strong: set text(fill: rgb("#1f3b57"))',
        "#set list(spacing: 0.8em)",
        '#show heading: set text(size: 13pt, fill: rgb("#1f3b57"))',
        "#show heading: set block(above: 1.4em, below: 0.8em)",
        "#show raw: set text(size: 8pt)",
        "#show figure: set block(breakable: false)",
        "#show figure.caption: set text(size: 8.5pt, fill: luma(60))",
        f"#text(size: 17pt)[{inline(doc.title)}]\n",
        f"#text(size: 8.5pt, fill: luma(90))[{inline(doc.subtitle)}]\n",
    ]
    for section in doc.sections:
        if section.new_page:
            lines.append("#pagebreak()")
        lines.append(f"= {inline(section.title)}\n")
        lines += [_block(b, images) for b in section.blocks]
    return "\n".join(lines)


def render(doc: Document) -> bytes:
    """The document as PDF bytes."""
    import typst
    from jiesu.experiments.figures.common import to_bytes

    with tempfile.TemporaryDirectory(prefix="jiesu-report-") as tmp:
        root = Path(tmp)
        images = {}
        for k, block in enumerate(doc.figures()):
            name = f"figure-{k + 1}.svg"
            (root / name).write_bytes(to_bytes(block.content, "svg"))
            images[id(block)] = (name, block.width)
        (root / "report.typ").write_text(source(doc, images), encoding="utf-8")
        return typst.compile(
            str(root / "report.typ"),
            root=str(root),
            font_paths=[str(font_path().parent)],
            ignore_system_fonts=True,
        )
