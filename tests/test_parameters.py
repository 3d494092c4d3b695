"""Parameters are declared once, validated strictly, and documented."""

import math

import pytest
from jiesu.model.parameters import PARAMS, ParameterError, make_parameters


def test_misspelt_parameter_is_rejected_with_a_suggestion():
    with pytest.raises(
        ParameterError, match=r"unknown parameter 'capacity_per_10'.*did you mean 'capacity_per_10k'"
    ):
        make_parameters({"capacity_per_10": 90})


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        (
            "capacity_per_10k",
            -1,
            r"out of range; allowed: 0 or more \(unit: work orders/month per 10k residents\)",
        ),
        ("trust_initial", 1.5, r"out of range; allowed: 0 to 1 \(dimensionless\)"),
        ("problems_per_category", 2.5, "whole number"),
        ("capacity_per_10k", "many", "not valid"),
        ("geography", "mars", "not one of"),
        ("start", "2019-13", "months run from 01 to 12"),
        ("recognition", "perhaps", "true or false"),
        ("pioneer_elements", "hotline", "unknown reform element 'hotline'"),
    ],
)
def test_bad_values_name_the_parameter_and_the_allowed_values(name, value, fragment):
    with pytest.raises(ParameterError, match=fragment) as info:
        make_parameters({name: value})
    assert name in str(info.value) or name == "pioneer_elements"


def test_end_before_start_is_rejected():
    with pytest.raises(ParameterError, match="before start"):
        make_parameters({"start": "2020-01", "end": "2019-12"})


def test_every_declaration_is_complete_and_its_default_valid():
    names = [p.name for p in PARAMS]
    assert len(names) == len(set(names)), "parameter declared twice"
    for p in PARAMS:
        assert p.unit and p.meaning and p.source, f"{p.name} lacks unit, meaning or source"
        assert p.convert(p.default) == p.default, f"default of {p.name} fails its own validation"
        if p.kind == "number":
            assert p.low is None or math.isinf(p.low) or p.low <= p.default


def test_text_values_are_converted_like_the_command_line_gives_them():
    p = make_parameters({"capacity_per_10k": "95.5", "topics_per_month": "3", "recognition": "true"})
    assert (p.capacity_per_10k, p.topics_per_month, p.recognition) == (95.5, 3, True)


def test_parameters_are_immutable():
    p = make_parameters()
    with pytest.raises(AttributeError):
        p.capacity_per_10k = 1.0
