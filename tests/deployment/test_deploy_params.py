"""`--params` files read values as scenario files do (one value language, s4chain.inputs.values): `20000 EUR`,
`30d`, dates; a value that does not read names the file, line and field, exit 2."""

from __future__ import annotations

import typing
from decimal import Decimal
from pathlib import Path

import pytest
from deploy_support import DeployCli

from s4chain.chain import InProcessChain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.deployment import SETS, Deployer, attach_drivers, load_params, open_records
from s4chain.drivers.ico import TokenSaleDriver
from s4chain.drivers.units import eur
from s4chain.inputs.values import Resolver
from s4chain.scenarios.loader import load_scenario

ICO_VALUES = """\
    goal: 20000 EUR
    hard_cap: 60000 EUR
    min_per_investor: 250 EUR
    duration: 30d
    reflection_seconds: 2d 12h
    opening: 2031-01-01T00:00:00Z
"""


def _scenario_params(tmp_path: Path) -> object:
    """The same values in a scenario's `params`, as the replay reads them."""
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "name: params\ndescription: d\nuse_case: UC1\nstart: 2030-01-01T00:00:00Z\n"
        "actors: {platform: {role: p}, sme: {role: s}}\n"
        "contracts:\n  sale:\n    driver: ico\n    with: {platform: platform, sme: sme}\n    params:\n"
        + "".join(f"  {line}\n" for line in ICO_VALUES.splitlines())
        + "steps:\n  - {actor: platform, do: sale.state}\n"
    )
    loaded = load_scenario(path)
    spec = loaded.scenario.contracts["sale"]
    hint = typing.get_type_hints(TokenSaleDriver.deploy)["params"]
    return Resolver(loaded.start).coerce(spec.params, hint)


def test_a_params_file_deploys_what_the_same_scenario_values_deploy(tmp_path: Path, compiled: ArtifactStore) -> None:
    params_file = tmp_path / "params.yaml"
    params_file.write_text("ico:\n" + ICO_VALUES)
    params = load_params(params_file)
    assert params["ico"] == _scenario_params(tmp_path)

    chain = InProcessChain(compiled)
    result = Deployer(chain, open_records(chain, None), None).deploy([SETS["ico"]], params)
    assert result.records.sets["ico"].params["goal"] == "20000"
    sale = attach_drivers(chain, result.records, ["ico"])["ico"]
    assert sale.sale.goal() == eur(20000) and sale.sale.hardCap() == eur(60000)
    state = sale.state()
    assert state.opening == 1_924_992_000  # 2031-01-01 UTC
    assert state.closing == state.opening + 30 * 86_400
    assert sale.sale.reflectionPeriod() == 2 * 86_400 + 12 * 3_600


BAD_PARAMS = {
    # a params file: (its line, the message there)
    "ico:\n  goal: lots\n": ("params.yaml:2:", "ico.goal"),
    "ico:\n  gaol: 5\n": ("params.yaml:2:", "ico.gaol: unknown parameter"),
    "leasing: {}\nwarehouse:\n  x: 1\n": ("params.yaml:2:", "unknown contract set 'warehouse'"),
    "supply:\n  intensities:\n    teleport: 3\n": ("params.yaml:3:", "supply.intensities.teleport"),
    "ico: [1, 2]\n": ("params.yaml:1:", "ico: expected a mapping"),
    "ico:\n  hard_cap: 2000000\n": (
        "params.yaml:1:",
        "ico: Value error, a hard cap of EUR 1,000,000 or more needs white_paper_hash",
    ),
    "ico: {goal: 1\n": ("params.yaml:2:", "invalid YAML"),
    "ico:\n  duration: 30 parsecs\n": ("params.yaml:2:", "ico.duration: '30 parsecs' is not a whole number"),
    "ico:\n  goal: 20000 USD\n": ("params.yaml:2:", "ico.goal: '20000 USD' is not an amount"),
    "ico:\n  goal: 0.0000001 EUR\n": ("params.yaml:2:", "ico.goal: '0.0000001 EUR' has more than 6 decimals"),
    "ico:\n  opening: +1h\n": ("params.yaml:2:", "ico.opening: '+1h' is a time after a scenario's start"),
    "leasing:\n  plan:\n    deposit: 5000 EUR\n    period: -3d\n": ("params.yaml:4:", "leasing.plan.period"),
    "supply:\n  intensities:\n    rail: 17 EUR per km\n": ("params.yaml:3:", "supply.intensities.rail"),
}


@pytest.mark.parametrize("text", list(BAD_PARAMS), ids=range(len(BAD_PARAMS)))
def test_bad_params_files_name_the_file_line_and_field(deploy_cli: DeployCli, tmp_path: Path, text: str) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(text)
    result = deploy_cli("--params", str(params))
    where, what = BAD_PARAMS[text]
    assert result.exit_code == 2, result.output
    assert f"{where} {what}" in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_param_options_read_values_as_the_file_does_and_win_over_it(tmp_path: Path) -> None:
    params_file = tmp_path / "params.yaml"
    params_file.write_text("ico:\n" + ICO_VALUES + "leasing:\n  plan: {deposit: 4000 EUR}\n")
    from_file = load_params(params_file)
    options = [f"ico.{line.strip().replace(': ', '=', 1)}" for line in ICO_VALUES.splitlines()]
    assert load_params(None, options) == {"ico": from_file["ico"]}
    both = load_params(params_file, ["ico.goal=25000 EUR", "leasing.plan.period=2w", "supply.intensities.rail=17"])
    assert both["ico"] == from_file["ico"].model_copy(update={"goal": Decimal(25000)})
    assert both["leasing"].plan.deposit == Decimal(4000) and both["leasing"].plan.period == 14 * 86_400
    assert both["supply"].intensities == {"rail": 17}


def test_param_options_deploy_and_bad_ones_name_the_option(deploy_cli: DeployCli, tmp_path: Path) -> None:
    good = deploy_cli("--only", "ico", "--param", "ico.goal=20000 EUR", "--param", "ico.duration=30d")
    assert good.exit_code == 0, good.output
    params_file = tmp_path / "params.yaml"
    params_file.write_text("ico:\n  goal: 20000 EUR\n")
    cases = {
        ("--param", "ico.goal=20000 USD"): "--param ico.goal=20000 USD: ico.goal: '20000 USD' is not an amount",
        ("--param", "ico.gaol=5"): "--param ico.gaol=5: ico.gaol: unknown parameter",
        ("--param", "dao.goal=5"): "--param dao.goal=5: unknown contract set 'dao'",
        ("--param", "goal=5"): "--param 'goal=5': expected SET.FIELD=VALUE",
        ("--params", str(params_file), "--param", "ico.goal.x=1"): "ico.goal is not a mapping of parameters",
        ("--params", str(params_file), "--param", "ico.hard_cap=2000000 EUR"): (
            "--param ico.hard_cap=2000000 EUR: ico: Value error, a hard cap of EUR 1,000,000"
        ),
    }
    for args, what in cases.items():
        result = deploy_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert what in " ".join(result.output.split()), (args, result.output)
        assert "Traceback" not in result.output
