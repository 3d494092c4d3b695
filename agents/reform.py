"""The reform's elements, the problem categories citizens meet, and adoption channels.

These are the model's fixed vocabularies. The numbers attached to categories
(``share``) are defaults that :mod:`model.parameters` can scale; the names are
used in parameters, scenario files, events and outputs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    """One mechanism of the 接诉即办 bundle that a city can adopt on its own."""

    name: str
    zh: str
    meaning: str


#: The reform grouped into mechanisms with distinct effects (docs/model.md §2).
ELEMENTS: tuple[Element, ...] = (
    Element(
        "unified_hotline",
        "热线归并",
        "one 12345 number replaces fragmented hotlines: awareness rises, filing gets cheaper",
    ),
    Element(
        "fast_response",
        "快速回应/闭环管理",
        "every request becomes a work order dispatched with a deadline; closed loop; more capacity",
    ),
    Element(
        "feedback",
        "及时反馈",
        "callers are called back with the outcome: satisfaction and trust learning rise",
    ),
    Element(
        "evaluation",
        "绩效考核/月度点评",
        "monthly ranking of handling units on the three rates raises the effort of low-ranked units",
    ),
    Element(
        "proactive",
        "主动治理/每月一题",
        "the top recurring categories are fixed at the root each month",
    ),
    Element(
        "knowledge_base",
        "知识库",
        "consultations answered at first contact, without dispatch",
    ),
    Element(
        "boundary",
        "公私边界",
        "private matters are redirected to community self-governance (善用而非滥用)",
    ),
)
ELEMENT_NAMES: tuple[str, ...] = tuple(e.name for e in ELEMENTS)
ELEMENT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ELEMENT_NAMES)}

#: What a national hotline mandate prescribes (国办发〔2020〕53号: merge hotlines into 12345,
#: handle and report back).
MANDATE_CORE: tuple[str, ...] = ("unified_hotline", "fast_response", "feedback")


@dataclass(frozen=True)
class Category:
    """A category of problems citizens meet.

    Attributes:
        name: Identifier used in outputs.
        zh: Chinese label.
        share: Default share of all problems (guess, shaped after Beijing's request mix).
        group: ``"consult"`` (information requests), ``"community"`` (self-governance is an
            alternative to filing) or ``"public"`` (only government can solve it).
        private: True for private matters (disputes between neighbours), which the
            public/private boundary policy may redirect.
    """

    name: str
    zh: str
    share: float
    group: str
    private: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category("consultation", "咨询", 0.40, "consult"),
    Category("property_housing", "物业住房", 0.12, "community"),
    Category("municipal_heating", "市政供暖", 0.10, "public"),
    Category("traffic_parking", "交通停车", 0.08, "public"),
    Category("environment_noise", "环境噪声", 0.09, "community"),
    Category("market_regulation", "市场监管", 0.07, "public"),
    Category("labour_social_security", "劳动社保", 0.06, "public"),
    Category("private_disputes", "邻里纠纷", 0.08, "community", private=True),
)
CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
GROUPS: tuple[str, ...] = ("consult", "community", "public")

#: Channels to which every adoption event is attributed.
CHANNELS: tuple[str, ...] = ("pioneer", "top_down", "bottom_up", "horizontal", "internal")


def parse_elements(text: str) -> tuple[str, ...]:
    """Parse a comma-separated element list (``"all"`` and ``"core"`` are shorthands).

    Raises:
        ValueError: Naming the unknown element and the valid names.
    """
    text = text.strip()
    if text in ("", "none"):
        return ()
    if text == "all":
        return ELEMENT_NAMES
    if text == "core":
        return MANDATE_CORE
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    for name in names:
        if name not in ELEMENT_INDEX:
            raise ValueError(
                f"unknown reform element {name!r}; valid: {', '.join(ELEMENT_NAMES)}, "
                "or the shorthands all, core, none"
            )
    return tuple(n for n in ELEMENT_NAMES if n in names)
