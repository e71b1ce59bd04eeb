"""The plan options' table (wmel_plan_field_info, through _wmel.plan_fields()) is what the
Python keywords take: every option is a keyword of frontend_plan() whose value reaches the
library's wmel_plan_set (a refusal is its ValueError, not a TypeError), in the table's order."""
import inspect

import pytest

import wmel
from wmel import _features, _wmel

FIELDS = _wmel.plan_fields()
# (kind, a value of the wrong type, a value of the right type that the library refuses)
BAD = {"str": (1.5, "no-such-value"), "bool": ("yes", None), "int": ("3", -1), "num": ("x", float("inf")),
       "guard": (3, "mul:1")}


def test_records():
    names = [f[0] for f in FIELDS]
    assert len(names) == len(set(names)) > 60
    assert _features._OPTIONS + _features._CAP_NAMES == tuple(names)
    for name, kind, group, fes, flags, arg, values, doc in FIELDS:
        assert kind in BAD and 0 <= group <= 4 and fes and arg and values and doc, name
    # the options of some front-ends are features()' own keywords
    sig = inspect.signature(_features.frontend_plan).parameters
    assert all(n in sig for n in _features._OPTIONS)


@pytest.mark.parametrize("field", [f for f in FIELDS if f[2] != 0], ids=lambda f: f[0])
def test_keyword_reaches_the_library(field):
    name, kind = field[0], field[1]
    wrong, refused = BAD[kind]
    with pytest.raises(TypeError, match=name):
        wmel.frontend_plan("kaldi", **{name: wrong})
    if refused is not None:
        with pytest.raises(ValueError, match=name):
            wmel.frontend_plan("kaldi", **{name: refused})


def test_unknown_keyword_lists_the_table():
    with pytest.raises(TypeError) as e:
        wmel.frontend_plan("kaldi", no_such_option=1)
    assert ", ".join(f[0] for f in FIELDS) in str(e.value)
