"""The scenario file: valid files parse, invalid ones fail with one clear line each."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES
from heady.loadtest.generators import WORDS, GeneratorError, compile_value
from heady.loadtest.scenario import Mix, ScenarioError, load_scenario, parse_scenario

EXAMPLE = EXAMPLES / "loadtest" / "scenario.yaml"


def test_example_scenario_parses() -> None:
    scenario = load_scenario(EXAMPLE)
    assert [op.label for op in scenario.mix] == ["add", "echo", "tools/list"]
    assert [s.name for s in scenario.stages] == ["warmup", "expected", "stress", "knee"]
    expected, knee = scenario.stages[1], scenario.stages[3]
    assert (expected.rate, expected.duration, expected.ramp) == (40.0, 5.0, 1.0)
    assert knee.loads() == [50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0]
    assert knee.gates is False and expected.gates is True
    assert scenario.slo is not None and scenario.slo.latency_p99 == 0.25 and scenario.slo.error_rate == 0.01


A = [{"tool": "a"}]


def args(**generators: object) -> dict[str, object]:
    return {"mix": [{"tool": "a", "args": generators}]}


def stage(**fields: object) -> dict[str, object]:
    return {"mix": A, "stages": [fields]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"mix": []}, "mix is empty; add at least one call"),
        (
            {"mix": [{"tool": "a", "list": "tools"}]},
            "mix.0: each mix entry needs exactly one of tool, list or read",
        ),
        ({"mix": [{"list": "tools", "args": {"x": 1}}]}, "mix.0: args only apply to a tool call"),
        ({"mix": [{"tool": "a", "weight": 0}]}, "mix.0.weight: Input should be greater than 0"),
        (stage(rate="5/s"), "stages.0: a stage must be bounded"),
        (stage(duration="5s"), "stages.0: set either concurrency"),
        (stage(rate=5, concurrency=2, duration=1), "stages.0: set either concurrency"),
        (stage(rate="fast", duration=1), "stages.0.rate: 'fast' is not a rate"),
        (stage(rate=5, duration="2h"), "at most 1h"),
        (
            stage(rate=50, step={"by": 10, "every": "1s", "max": 10}),
            "step.max (10) is below the starting load (50)",
        ),
        (stage(rate=5, duration=1, step={"by": 1, "every": 1, "max": 9}), "remove duration and requests"),
        ({"mix": A, "colour": "red"}, "colour: unknown field; check the spelling or remove it"),
        (args(n={"int": [9, 1]}), "mix[0].args.n: int range [9, 1] is reversed; write [1, 9]"),
        (args(n={"choice": []}), "choice needs a non-empty list"),
        (args(n={"words": 0}), "words needs a count from 1 to 1000"),
        (args(n={"uuid": 4}), "write uuid as {uuid: true}"),
        (args(n={"seq": "one"}), "seq needs a starting integer"),
        ({"protocol": "2024-11-05", "mix": A}, "protocol: Input should be 'auto'"),
        (["a"], "expected a mapping with mix:"),
    ],
)
def test_invalid_scenarios_name_the_field_and_the_fix(raw: object, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(raw, "s.yaml")
    text = str(info.value)
    assert text.startswith("s.yaml: ")
    assert message in text
    assert "Traceback" not in text


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("mix: [\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml: not valid YAML .*; fix the syntax") as info:
        load_scenario(bad)
    assert "\n" not in str(info.value)


def test_generators_produce_values_of_the_documented_shape() -> None:
    rng = random.Random(3)
    make = compile_value(
        {
            "n": {"int": [5, 7]},
            "x": {"float": [0.5, 1.5]},
            "c": {"choice": ["a", "b"]},
            "s": {"seq": 10},
            "u": {"uuid": True},
            "w": {"words": 3},
            "lit": {"literal": {"int": [1, 2]}},
            "nested": [{"deep": {"seq": 0}}, "plain"],
            "const": 42,
        },
        "args",
    )
    first, second = make(rng), make(rng)
    for value in (first, second):
        assert 5 <= value["n"] <= 7
        assert 0.5 <= value["x"] <= 1.5
        assert value["c"] in ("a", "b")
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value["u"]
        )
        assert len(value["w"].split()) == 3 and all(w in WORDS for w in value["w"].split())
        assert value["lit"] == {"int": [1, 2]}
        assert value["const"] == 42
        assert value["nested"][1] == "plain"
    assert (first["s"], second["s"]) == (10, 11)
    assert (first["nested"][0]["deep"], second["nested"][0]["deep"]) == (0, 1)
    assert first["u"] != second["u"]


def test_int_generator_covers_both_ends() -> None:
    make = compile_value({"int": [1, 3]}, "x")
    rng = random.Random(0)
    assert {make(rng) for _ in range(200)} == {1, 2, 3}


def test_generator_errors_are_value_errors() -> None:
    with pytest.raises(GeneratorError):
        compile_value({"float": [1, "two"]}, "x")


def test_mix_follows_the_weights() -> None:
    scenario = parse_scenario(
        {"seed": 1, "mix": [{"tool": "a", "weight": 3}, {"list": "tools", "weight": 1}]}
    )
    mix = Mix(scenario.mix, scenario.seed)
    picks = [mix.pick().label for _ in range(4000)]
    assert 0.70 < picks.count("a") / 4000 < 0.80
    assert mix.pick().method in ("tools/call", "tools/list")
    params = next(c for c in mix.calls if c.label == "a").make_params(mix.rng)
    assert params == {"name": "a", "arguments": {}}
