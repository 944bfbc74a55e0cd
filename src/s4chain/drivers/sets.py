"""A contract set as people declare it, in a scenario's `contracts:` or a project file's `[sets.<name>]`: which
driver deploys it, with which params and deploy arguments, and, for the generic `contract` driver, which compiled
contract. One model for both, so that a set means the same wherever it is written."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from s4chain.drivers.contract import ContractParams
from s4chain.drivers.registry import driver_class, main_contract, use_case, use_cases
from s4chain.inputs.values import Resolver

AbiSource = Callable[[str], Sequence[Mapping[str, Any]]]  # a compiled contract's name -> its ABI


class SetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    driver: str = Field(
        description="Which use case's driver deploys and operates the set, by name: one registered in "
        "s4chain.drivers.registry (ico, tokens, leasing, supply, data, work, contract for any compiled contract, or "
        "one a package adds)."
    )
    contract: str | None = Field(
        default=None,
        validate_default=True,
        description="For driver `contract` (and only for it): the compiled contract the set deploys, e.g. MyToken.",
    )
    params: dict[str, Any] | list[Any] = Field(
        default_factory=dict,
        description="The driver's deployment parameters; for driver `contract`, the constructor's arguments by "
        "name (or a list, in order).",
    )
    args: dict[str, Any] = Field(
        default_factory=dict, alias="with", description="Other deploy arguments: roles by actor name, @addresses."
    )

    @field_validator("contract")
    @classmethod
    def _named_where_needed(cls, value: str | None, info: ValidationInfo) -> str | None:
        registered = use_cases().get(info.data.get("driver", ""))
        if registered is None:  # an unknown driver is reported by name where the set is used
            return value
        if not registered.names_contract and value is not None:
            context = {"driver": registered.name, "own": ", ".join(registered.contracts)}
            message = "only a set of driver contract names its contract; the {driver} driver deploys its own ({own})"
            raise PydanticCustomError("contract_refused", message, context)
        if registered.names_contract and not value:
            message = "the {driver} driver deploys the compiled contract named here (e.g. contract: MyToken)"
            raise PydanticCustomError("contract_required", message, {"driver": registered.name})
        return value

    @field_validator("params")
    @classmethod
    def _listed_only_for_a_constructor(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list) and info.data.get("contract") is None:
            raise PydanticCustomError("dict_type", "expected a mapping of the driver's parameters", {})
        return value

    @property
    def main_contract(self) -> str:
        """The contract a bare `@set` stands for, and where a set's actions are looked up first."""
        return self.contract or main_contract(self.driver)

    @property
    def call_order(self) -> tuple[str, ...]:
        """The contracts a step's action (or check) that is no driver method is looked for in, in order: the set's
        own contract for the generic driver, else its use case's `call_order`."""
        return (self.contract,) if self.contract else use_case(self.driver).call_order

    def deploy_params(self, resolver: Resolver, abi: AbiSource) -> BaseModel:
        """The params the driver's `deploy` takes, from what the file wrote (values as `resolver` reads them; the
        generic driver's constructor arguments by `abi`). Raises ValueProblem naming the field at fault."""
        if self.contract is not None:
            return ContractParams.resolve(resolver, self.contract, abi(self.contract), self.params)
        model = typing.get_type_hints(driver_class(self.driver).deploy)["params"]
        return typing.cast(BaseModel, resolver.coerce(self.params, model))
