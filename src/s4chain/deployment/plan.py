"""What a deploy will send, and what it will cost, before anything is sent (for chains that are not dev chains).

The sets to (re)deploy are first deployed on a throwaway embedded chain, with one account in every role like the
single deployer key: that gives every deployment's constructor data and every setup transaction's gas. Each
deployment is then estimated on the target node with eth_estimateGas from the deployer; a constructor that
reads another contract of the set cannot be estimated before that one exists, so the embedded chain's gas is
shown for it instead (marked "simulated"). Setup transactions (role grants, registrations) use the embedded
chain's gas. A set that is already complete and unchanged on the target is left out; a set that was interrupted
is counted in full, so the summary is an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from s4chain.chain.base import DeployRequest
from s4chain.chain.contract import Contract, as_address
from s4chain.chain.inprocess import InProcessChain
from s4chain.compiler.artifacts import Artifact
from s4chain.deployment.deployer import Deployer
from s4chain.deployment.node import DeployChain, ether
from s4chain.deployment.records import DeploymentRecords
from s4chain.deployment.sets import ContractSet


@dataclass
class PlannedTx:
    set_name: str
    what: str  # "deploy TokenSale" or "setup transactions (n)"
    gas: int  # the gas limit that will be sent
    source: str  # "eth_estimateGas" or "simulated"


@dataclass
class DeployPlan:
    deployer: str
    balance: int
    max_fee_per_gas: int
    priority_fee_per_gas: int
    transactions: list[PlannedTx] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sets complete and unchanged on chain

    @property
    def total_gas(self) -> int:
        return sum(tx.gas for tx in self.transactions)

    @property
    def max_cost(self) -> int:
        return self.total_gas * self.max_fee_per_gas

    def lines(self) -> list[str]:
        """The summary, one line each."""
        rows = [f"deployer {self.deployer}, balance {ether(self.balance)}"]
        rows += [f"  {name}: complete and unchanged on chain, nothing to send" for name in self.skipped]
        rows += [f"  {tx.set_name}: {tx.what}: {tx.gas:,} gas ({tx.source})" for tx in self.transactions]
        rows.append(
            f"total {self.total_gas:,} gas at most {self.max_fee_per_gas / 1e9:.3f} gwei per gas (tip "
            f"{self.priority_fee_per_gas / 1e9:.3f} gwei): at most {ether(self.max_cost)}"
        )
        return rows


class _Noting:
    """A deploy strategy that deploys, noting each deployment's artifact, arguments, value and gas."""

    def __init__(self, into: list[tuple[Artifact, tuple[Any, ...], int, int]]) -> None:
        self.into = into

    def __call__(self, request: DeployRequest) -> Contract:
        contract = request.proceed()
        assert contract.deployment is not None
        self.into.append((request.artifact, request.args, request.value, contract.deployment.gas_used))
        return contract


def plan_deploy(
    target: DeployChain, records: DeploymentRecords, sets: list[ContractSet], params: dict[str, BaseModel]
) -> DeployPlan:
    """The transactions a deploy of `sets` on `target` would send, with their gas (see the module docstring)."""
    deployer = target.accounts[0].address
    max_fee, priority = target.fees()
    plan = DeployPlan(deployer, target.balance(deployer), max_fee, priority)
    checker = Deployer(target, records)  # only for its read-only reuse checks
    dry = InProcessChain(target.artifacts)
    dry.accounts = dry.accounts[:1]  # one key plays every role, as on the target
    for spec in sets:
        set_params = params.get(spec.name) or spec.default_params()
        old = records.sets.get(spec.name)
        if (
            old is not None
            and old.complete
            and old.params == set_params.model_dump(mode="json")
            and checker.is_unchanged(old)
        ):
            plan.skipped.append(spec.name)
            continue
        deployments: list[tuple[Artifact, tuple[Any, ...], int, int]] = []
        with dry.recording() as sent, dry.deploying_with(_Noting(deployments)):
            spec.deploy(dry, set_params, spec.role_accounts(dry))
        setup_gas = sent.gas_used - sum(gas for *_, gas in deployments)
        setup_count = len(sent.results) - len(deployments)
        for artifact, args, value, simulated in deployments:
            factory = target.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
            data = bytes.fromhex(factory.constructor(*as_address(args)).data_in_transaction[2:])
            estimate = target.estimate_gas(deployer, None, data, value)
            gas, source = (estimate, "eth_estimateGas") if estimate is not None else (simulated, "simulated")
            plan.transactions.append(
                PlannedTx(spec.name, f"deploy {artifact.contract_name}", target.gas_limit(gas), source)
            )
        if setup_count > 0:
            plan.transactions.append(
                PlannedTx(spec.name, f"{setup_count} setup transaction(s)", target.gas_limit(setup_gas), "simulated")
            )
    return plan
