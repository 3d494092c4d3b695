"""The report as one self-contained HTML file: figures embedded as PNG, no network, no external assets.

The text is set in Noto Sans SC (SIL Open Font License, shipped by the ``zhplot`` package),
embedded as a subset holding only the characters the page uses (fontTools), so Chinese reads the
same on a machine without CJK fonts; the reader's own fonts are the fallback. One column fits a
phone, tables scroll sideways when wider than the screen, and figures scale to the page width.
"""

from __future__ import annotations

import base64
import html
import re

import pandas as pd
from jiesu.experiments.figures.common import to_bytes
from jiesu.experiments.reports.document import Block, Document

DPI = 150
_CSS = """
:root { color-scheme: light; }
body { font-family: "Jiesu Noto Sans SC", "Noto Sans SC", "Noto Sans CJK SC", "PingFang SC",
  "Microsoft YaHei",
  "Source Han Sans SC",
  system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.6; color: #1a1a1a;
  max-width: 52rem; margin: 0 auto; padding: 1rem 1.1rem 3rem; background: #fff; }
h1 { font-size: 1.55rem; line-height: 1.3; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.subtitle { color: #555; font-size: 0.9rem; margin: 0 0 1.2rem; }
ul.findings li { margin: 0.45rem 0; }
.note { color: #555; font-size: 0.88rem; }
figure { margin: 1.2rem 0; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.88rem; margin-top: 0.3rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; min-width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
td { font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85em;
  background: #f4f4f4; padding: 0.05rem 0.25rem; border-radius: 3px; word-break: break-all; }
@media (max-width: 600px) { body { padding: 0.7rem; font-size: 15px; } h1 { font-size: 1.3rem; } }
@media print { h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""


def inline(text: str) -> str:
    """Escape ``text`` for HTML, with ``**bold**`` and ```code``` spans."""
    out = html.escape(str(text))
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{inline(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(v)}</td>" for v in row) + "</tr>"
        for row in df.astype(str).itertuples(index=False)
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _block(block: Block) -> str:
    if block.kind == "p":
        return f"<p>{inline(block.content)}</p>"
    if block.kind == "findings":
        items = "".join(f"<li>{inline(f.text)}</li>" for f in block.content)
        return f'<ul class="findings">{items}</ul>'
    if block.kind == "list":
        return "<ul>" + "".join(f"<li>{inline(i)}</li>" for i in block.content) + "</ul>"
    if block.kind == "table":
        caption = f"<p><strong>{inline(block.caption)}</strong></p>" if block.caption else ""
        return caption + _table(block.content)
    if block.kind == "figure":
        data = base64.b64encode(to_bytes(block.content, "png", DPI)).decode("ascii")
        alt = inline(block.caption)
        image = f'<img src="data:image/png;base64,{data}" alt="{alt}">'
        return f"<figure>{image}<figcaption>{alt}</figcaption></figure>"
    raise ValueError(f"unknown block kind {block.kind!r}")


def font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding Noto Sans SC reduced to the characters of ``text``."""
    import io

    from fontTools import subset
    from jiesu.experiments.figures.fonts import font_path

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    font = subset.load_font(io.BytesIO(font_path().read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    font.close()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    source = f'url(data:font/ttf;base64,{data}) format("truetype")'
    return f'@font-face {{ font-family: "Jiesu Noto Sans SC"; src: {source}; }}'


def render(doc: Document) -> str:
    """The document as one HTML page."""
    lang = "zh-CN" if doc.lang == "zh" else "en"
    body = [f"<h1>{inline(doc.title)}</h1>", f'<p class="subtitle">{inline(doc.subtitle)}</p>']
    for section in doc.sections:
        body.append(f"<section><h2>{inline(section.title)}</h2>")
        body += [_block(b) for b in section.blocks]
        body.append("</section>")
    visible = html.unescape(re.sub(r"<[^>]+>|data:[^\"]+", " ", "\n".join(body)))
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{inline(doc.title)}</title>",
        f"<style>{font_face(visible + doc.title)}{_CSS}</style></head><body>",
    ]
    return "\n".join([*head, *body, "</body></html>"])
