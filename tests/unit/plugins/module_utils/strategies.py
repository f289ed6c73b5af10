"""Hypothesis strategies shared by the tests of plugins/module_utils."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The properties that ask the Django oracle: many examples, each a round trip to its subprocess.
ORACLE_SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def anything():
    """Whatever a task, a bulk list or a test could hand the pure layer: text with NUL characters, surrogates,
    whitespace or of huge length, integers past Python's 4300-digit str() limit, NaN and infinity, booleans, None,
    lists, and dicts nested in both with keys that are not strings.

    Huge values are built, not sampled: hypothesis would print (or fail to repr()) a strategy that holds them."""
    huge_text = st.builds(lambda size, char: char * size, st.sampled_from([151, 5000, 100000]),
                          st.sampled_from(["x", " ", "\x00"]))
    texts = st.text(st.characters(exclude_categories=()), max_size=12) | huge_text | st.sampled_from([
        "", " ", "\t\n ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u2028", "\u00a0a\u00a0", "/", " / ", "//",
        "j@example.com", "00000000-0000-0000-0000-00000000000A", "a" * 32, "users/x", "internal", "merge", "add",
    ])
    huge_int = st.builds(lambda digits, sign: sign * 10 ** digits, st.integers(4300, 5000), st.sampled_from([1, -1]))
    numbers = (st.integers() | huge_int | st.sampled_from([2 ** 64, -1, 0, 1])
               | st.floats() | st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0]))
    scalars = st.none() | st.booleans() | numbers | texts
    keys = st.text(max_size=4) | st.integers() | st.none() | st.booleans() | st.floats() | st.tuples(st.integers())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                        max_leaves=6)


@st.composite
def mutations(draw, base, character, most):
    """A near miss of `base`: one to `most` characters inserted, removed or replaced by `character`."""
    text = draw(base)
    for unused in range(draw(st.integers(1, most))):
        index = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "remove", "replace"]))
        if operation == "insert":
            text = text[:index] + draw(character) + text[index:]
        elif operation == "remove":
            text = text[:index] + text[index + 1:]
        else:
            text = text[:index] + draw(character) + text[index + 1:]
    return text
