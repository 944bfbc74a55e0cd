"""The generic driver: any compiled contract of the project, deployed with its constructor arguments, and every
function of its ABI an action (a view, a read), found by `s4chain.scenarios.actions` as for any set.

    contracts:
      token:
        driver: contract
        contract: MyToken
        params: {name: My Token, symbol: MTK, initialSupply: 1000000 MTK}

Constructor arguments are named after the constructor's ABI inputs (or listed in order) and take the value
language (`@alice`, `+4d`, `48h`, `0x...`). An amount with a unit is a token amount: in the constructor, `1000000
MTK` counts with the `decimals` argument (18, ERC-20's default, without one) where MTK is the `symbol` argument
(the token does not exist yet to be asked); in steps and checks, with the contract's own `symbol()` and
`decimals()` when it has them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict, Field

from s4chain.chain import Chain, Contract
from s4chain.chain.reverts import ContractRevert
from s4chain.drivers.abi_values import Units, abi_value, same_name, unit_of
from s4chain.drivers.units import TOKEN_DECIMALS
from s4chain.drivers.usecase import Contracts, Roles, UseCase
from s4chain.errors import S4ChainError
from s4chain.inputs.values import Resolver, ValueProblem

Abi = Sequence[Mapping[str, Any]]


class UnitMismatchError(S4ChainError, ValueError):
    """A constructor's amounts were counted in other units than the deployed token has: the replay fails its
    setup with this message, `s4chain deploy` stops with it (the set stays incomplete in the records)."""


class ContractParams(BaseModel):
    """What the generic driver deploys: the contract's name and its constructor arguments as ABI values (bytes as
    0x hex), in the constructor's order; recorded as they are by `s4chain deploy`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract: str = Field(min_length=1)
    arguments: list[Any] = Field(default_factory=list)
    # The token units the constructor's amounts were counted in (`1000000 MTK` with 18 decimals), which the
    # deployed token's symbol() and decimals() must confirm.
    units: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def resolve(cls, resolver: Resolver, contract: str, abi: Abi, given: Mapping[str, Any] | Sequence[Any]) -> Self:
        """The params of a set deploying `contract` (whose ABI is `abi`) with the arguments a file gives, by
        name or in order; raises ValueProblem naming the argument at fault."""
        inputs = next((list(e["inputs"]) for e in abi if e.get("type") == "constructor"), [])
        values = _in_order(contract, inputs, given)
        units = constructor_units(inputs, values)
        arguments = []
        for parameter, value in zip(inputs, values, strict=True):
            name = str(parameter.get("name") or "")
            try:
                arguments.append(_json(abi_value(resolver, value, parameter, units)))
            except (ValueProblem, ValueError) as exc:
                raise ValueProblem(f"{name}: {exc}", (name,), str(exc)) from exc
        counted = {unit: units[unit] for value in values if (unit := unit_of(value)) is not None and unit in units}
        return cls(contract=contract, arguments=arguments, units=counted)


def _in_order(contract: str, inputs: list[Mapping[str, Any]], given: Mapping[str, Any] | Sequence[Any]) -> list[Any]:
    names = [str(p.get("name") or f"arg{i}") for i, p in enumerate(inputs)]
    expected = f"{contract}'s constructor takes ({', '.join(names) or 'nothing'})"
    if not isinstance(given, Mapping):
        if len(given) != len(inputs):
            raise ValueProblem(f"{len(given)} argument(s) given, but {expected}")
        return list(given)
    for key in given:
        if not any(same_name(key, n) for n in names):
            raise ValueProblem(f"unknown argument {key!r}: {expected}", (key,), f"unknown argument: {expected}")
    values = []
    for name in names:
        found = [key for key in given if same_name(key, name)]
        if not found:
            raise ValueProblem(f"missing argument {name!r}: {expected}")
        values.append(given[found[0]])
    return values


def constructor_units(inputs: list[Mapping[str, Any]], values: list[Any]) -> Units:
    """A token's unit before it exists: its `symbol` argument, counted with its `decimals` argument (or 18)."""
    by_name = {str(p.get("name") or ""): v for p, v in zip(inputs, values, strict=True)}
    symbol = next((v for k, v in by_name.items() if same_name(k, "symbol") and isinstance(v, str)), None)
    if not symbol or not symbol.isalpha():
        return {}
    decimals = next((v for k, v in by_name.items() if same_name(k, "decimals")), TOKEN_DECIMALS)
    return {symbol.upper(): decimals} if isinstance(decimals, int) and 0 <= decimals <= 77 else {}


def _json(value: Any) -> Any:
    """An ABI value as the records keep it (bytes as 0x hex, which the contract layer encodes back)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _has_view(abi: Abi, name: str) -> bool:
    return any(
        e.get("type") == "function" and e.get("name") == name and not e["inputs"] and len(e.get("outputs", ())) == 1
        for e in abi
    )


class _AnyUnit(Mapping[str, int]):
    """Before deployment, a token's symbol is not known: any unit is taken (with ERC-20's 18 decimals), and the
    replay holds it against the deployed token's `symbol()`."""

    def __getitem__(self, unit: str) -> int:
        return TOKEN_DECIMALS

    def __contains__(self, unit: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(("its symbol",))

    def __len__(self) -> int:
        return 1


def checked_units(abi: Abi) -> Units:
    """The units a file's amounts may have for a contract not deployed yet: any, when it has `symbol()` and
    `decimals()` to check them against once deployed; none otherwise."""
    return _AnyUnit() if _has_view(abi, "symbol") and _has_view(abi, "decimals") else {}


def token_units(contract: Contract) -> Units:
    """The unit amounts of a deployed contract take: its `symbol()` with its `decimals()`, when it has both."""
    if not (_has_view(contract.abi, "symbol") and _has_view(contract.abi, "decimals")):
        return {}
    try:
        symbol, decimals = contract.symbol.call(), contract.decimals.call()
    except ContractRevert:
        return {}
    return {symbol.upper(): int(decimals)} if isinstance(symbol, str) and symbol.isalpha() else {}


class ContractDriver:
    """One deployed contract of any kind: steps call its ABI's functions (s4chain.scenarios.actions); `units`
    are the token units its amounts may be written in."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.units = token_units(contract)

    @classmethod
    def deploy(cls, chain: Chain, params: ContractParams, /, admin: LocalAccount | None = None) -> Self:
        """Deploy `params.contract` with its arguments, sent by `admin` (by default the chain's first account)."""
        driver = cls(chain.deploy(params.contract, *params.arguments, sender=admin))
        for unit, decimals in params.units.items():
            if driver.units and driver.units.get(unit) != decimals:
                token = ", ".join(f"{symbol} with {places} decimals" for symbol, places in driver.units.items())
                raise UnitMismatchError(
                    f"{params.contract}: its constructor's amounts in {unit} were counted with {decimals} decimals, "
                    f"but the deployed token is {token}: write those amounts in raw units (or pass `decimals`)"
                )
        return driver

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: ContractParams, roles: Roles) -> Self:
        """The driver over `params.contract` deployed before."""
        return cls(contracts[params.contract])

    def contracts(self) -> dict[str, Contract]:
        return {self.contract.contract_name: self.contract}


USE_CASE = UseCase(
    code="any",
    name="contract",
    driver=ContractDriver,
    contracts=(),  # each set names its contract (`contract:`)
)
