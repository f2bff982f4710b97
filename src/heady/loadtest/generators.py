"""Argument generators: how a scenario fills in tool arguments for each call.

A value in ``args`` is either a literal (sent as written) or a mapping with exactly
one generator key:

=================  ==============================================  ==============
generator          value                                           example output
=================  ==============================================  ==============
``int: [lo, hi]``  a random integer, both ends included            ``42``
``float: [lo, hi]`` a random float                                 ``0.73``
``choice: [...]``  one of the items, at random                     ``"paris"``
``seq: N``         N, N+1, N+2, ... (per worker process)           ``17``
``uuid: true``     a random UUID4 string                           ``"6f1c..."``
``words: N``       N random lowercase words joined by spaces       ``"amber river"``
``literal: X``     X unchanged (to send a mapping that looks like a generator)
=================  ==============================================  ==============

Mappings and lists without a generator key are walked, so generators can sit at any
depth of the arguments.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable
from typing import Any

Generator = Callable[[random.Random], Any]

WORDS = (  # noqa: SIM905  (a sentence reads better than 76 quoted words)
    "amber anchor apple arrow autumn badge basin beacon birch blossom breeze brook canyon cedar "
    "cipher cloud comet coral crane crystal delta desert ember falcon fern field flint forest "
    "garden glacier harbor hazel island ivory jade lagoon lantern lava maple marble meadow mesa "
    "mint nebula oasis ocean onyx orbit pebble pine planet prairie quartz raven reef ridge river "
    "saffron sage shadow sierra silver spruce stone summit thunder tide timber topaz tundra valley "
    "velvet willow winter zephyr"
).split()

NAMES = ("int", "float", "choice", "seq", "uuid", "words", "literal")


class GeneratorError(ValueError):
    """An argument generator is written wrong; the message says how to write it."""


def compile_value(value: Any, where: str) -> Generator:
    """Turn a scenario ``args`` value into a function that produces one concrete value."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in NAMES:
            name, spec = next(iter(value.items()))
            return _compile_generator(name, spec, where)
        fields = {key: compile_value(item, f"{where}.{key}") for key, item in value.items()}
        return lambda rng: {key: make(rng) for key, make in fields.items()}
    if isinstance(value, list):
        items = [compile_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return lambda rng: [make(rng) for make in items]
    return lambda rng: value


def _number_range(name: str, spec: Any, where: str) -> tuple[Any, Any]:
    kind = int if name == "int" else (int, float)
    if (
        not isinstance(spec, list)
        or len(spec) != 2
        or not all(isinstance(x, kind) and not isinstance(x, bool) for x in spec)
    ):
        raise GeneratorError(f"{where}: {name} needs [low, high] numbers, e.g. {{{name}: [1, 100]}}")
    low, high = spec
    if low > high:
        raise GeneratorError(f"{where}: {name} range [{low}, {high}] is reversed; write [{high}, {low}]")
    return low, high


def _compile_generator(name: str, spec: Any, where: str) -> Generator:
    if name == "int":
        low, high = _number_range(name, spec, where)
        return lambda rng: rng.randint(low, high)
    if name == "float":
        flow, fhigh = _number_range(name, spec, where)
        return lambda rng: rng.uniform(flow, fhigh)
    if name == "choice":
        if not isinstance(spec, list) or not spec:
            raise GeneratorError(f"{where}: choice needs a non-empty list, e.g. {{choice: [a, b, c]}}")
        options = list(spec)
        return lambda rng: rng.choice(options)
    if name == "seq":
        if not isinstance(spec, int) or isinstance(spec, bool):
            raise GeneratorError(f"{where}: seq needs a starting integer, e.g. {{seq: 1}}")
        counter = itertools.count(spec)
        return lambda rng: next(counter)
    if name == "uuid":
        if spec is not True:
            raise GeneratorError(f"{where}: write uuid as {{uuid: true}}")
        return lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if name == "words":
        if not isinstance(spec, int) or isinstance(spec, bool) or not 1 <= spec <= 1000:
            raise GeneratorError(f"{where}: words needs a count from 1 to 1000, e.g. {{words: 3}}")
        return lambda rng: " ".join(rng.choices(WORDS, k=spec))
    return lambda rng: spec  # literal
