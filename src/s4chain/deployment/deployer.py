"""Deploy contract sets through their drivers, recording each confirmed contract and reusing what is on chain.

Every `chain.deploy` a driver makes goes through a deploy strategy (`Chain.deploying_with`). For each contract
(keyed by set and contract name) it reuses the recorded one when all of these hold, and deploys it otherwise:

- the set's params are those recorded (changed params redeploy the whole set);
- the artifact's creation bytecode hash is the recorded one (a recompiled, changed contract is redeployed);
- there is code at the recorded address and its hash is the one recorded at deploy time (a reset or reverted
  chain, or other code there, means redeploying);
- no contract of its set deployed before it was (re)deployed in this run: a later contract may be built on or
  configured with an earlier one, so everything after a redeployed contract in the set's order is redeployed;
- the addresses among its constructor arguments are the recorded ones (other arguments, such as an opening
  time derived from the clock, are not compared: they would force a redeploy on every run);
- same deployer and value.

After each deployment the records file is rewritten atomically. A set whose contracts are all reused and whose
setup transactions were confirmed (`complete`) is skipped without sending anything; an incomplete set is resumed:
its driver runs again, reusing the recorded contracts, and re-sends the setup transactions (role grants, which
are idempotent; the ICO sale's registration is skipped when already done).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from pydantic import BaseModel
from web3.exceptions import Web3Exception

from s4chain.chain.base import Chain, DeployRequest
from s4chain.chain.contract import Contract
from s4chain.chain.errors import NodeUnreachableError, RpcError, TransactionUnconfirmedError
from s4chain.chain.reverts import ContractRevert
from s4chain.chain.safety import is_local_dev_chain
from s4chain.compiler.artifacts import Artifact, ArtifactNotFoundError
from s4chain.deployment.node import InsufficientFundsError
from s4chain.deployment.records import (
    ContractRecord,
    DeploymentRecords,
    PendingDeployment,
    SetRecord,
    StaleRecordsError,
    addresses_in,
    bytecode_hash,
    code_hash,
    genesis_hash,
    json_args,
    load_records,
    save_records,
)
from s4chain.deployment.sets import ContractSet
from s4chain.errors import S4ChainError

Log = Callable[[str], None]
OnRecord = Callable[[str, str, ContractRecord], None]


class NodeStoppedError(S4ChainError):
    """The node stopped answering during the deployment; the records keep what was confirmed."""


class DeployFailedError(S4ChainError):
    """A deployment or setup transaction failed (reverted); the records keep what was confirmed."""


class RecordsWriteError(S4ChainError):
    """The records file cannot be written; `started`: contracts were deployed in this run before it failed (the
    first write comes before any transaction, so an unwritable place is found before anything is sent)."""

    def __init__(self, message: str, started: bool) -> None:
        self.started = started
        super().__init__(message)


@dataclass
class ContractOutcome:
    set_name: str
    key: str
    action: str  # "deployed" or "reused"
    reason: str  # why it was (re)deployed, or "" when reused
    record: ContractRecord


@dataclass
class SetOutcome:
    name: str
    status: str  # "unchanged" (nothing sent), "deployed" (everything new), "updated" (some reused)
    contracts: list[ContractOutcome] = field(default_factory=list)


@dataclass
class DeployResult:
    records: DeploymentRecords
    path: Path | None  # None: the embedded chain, whose records are not written
    sets: list[SetOutcome]

    @property
    def deployed_count(self) -> int:
        return sum(1 for s in self.sets for c in s.contracts if c.action == "deployed")


def node_url(chain: Chain) -> str:
    return str(getattr(chain, "url", "the embedded chain"))


def client_version(chain: Chain) -> str:
    return str(getattr(chain, "client_version", "") or chain.w3.client_version)


def open_records(chain: Chain, path: Path | None, log: Log = lambda _: None) -> DeploymentRecords:
    """The records of `chain` at `path` (new ones if there is no file).

    Raises RecordsFileError for a corrupt file and StaleRecordsError for another chain's records. A local dev
    chain that was restarted (same chain id, another genesis block) is normal: the old file is kept beside as
    `<chainId>.<genesis>.stale.json` and the deploy starts afresh."""
    fresh = DeploymentRecords(
        chain_id=chain.chain_id, genesis_hash=genesis_hash(chain), client_version=client_version(chain)
    )
    if path is None or not path.exists():
        return fresh
    records = load_records(path)
    if records.chain_id != chain.chain_id:
        raise StaleRecordsError(
            f"{path}: these records are for chain id {records.chain_id}, but {node_url(chain)} is chain id "
            f"{chain.chain_id}; check --rpc (records are kept per chain as deployments/<chainId>.json)"
        )
    if records.genesis_hash != fresh.genesis_hash:
        if not is_local_dev_chain(chain.chain_id, fresh.client_version):
            raise StaleRecordsError(
                f"{path}: these records are for the chain whose genesis block is {records.genesis_hash}, but the "
                f"node at {node_url(chain)} (chain id {chain.chain_id}) has genesis {fresh.genesis_hash}: another "
                f"chain with the same id; check --rpc, or move the file away to deploy afresh"
            )
        stale = path.with_name(f"{path.stem}.{records.genesis_hash[2:10]}.stale.json")
        os.replace(path, stale)
        log(
            f"the dev chain at {node_url(chain)} was restarted (genesis {fresh.genesis_hash[:10]}..., records are "
            f"for {records.genesis_hash[:10]}...): old records kept as {stale}; deploying afresh"
        )
        return fresh
    return records


@dataclass(eq=False)
class Deployer:
    """Deploys contract sets on `chain`, keeping `records` (written to `path` after each contract, if given)."""

    chain: Chain
    records: DeploymentRecords
    path: Path | None = None
    log: Log = lambda _: None
    on_record: OnRecord | None = None
    deployed: int = field(default=0, init=False)  # contracts deployed by this Deployer

    def save(self) -> None:
        if self.path is None:
            return
        try:
            save_records(self.path, self.records)
        except OSError as exc:
            message = f"cannot write the records file {self.path}: {exc.strerror or exc}"
            raise RecordsWriteError(message, self.deployed > 0) from None

    def deploy(self, sets: list[ContractSet], params: dict[str, BaseModel] | None = None) -> DeployResult:
        """Deploy (or reuse) each set with its params (the model's defaults when not given)."""
        params = params or {}
        self.settle_pending()  # before anything new is sent: a new transaction could take a lost one's nonce
        outcomes = []
        for spec in sets:
            outcomes.append(self.deploy_set(spec, params.get(spec.name) or spec.default_params()))
        return DeployResult(self.records, self.path, outcomes)

    def settle_pending(self) -> None:
        """Settle every deployment a previous run sent without learning its fate (see `PendingDeployment`):
        landed, it is recorded as deployed (reused by the deploy that follows); reverted or unable to land (its
        nonce taken by another transaction), it is dropped and the contract deployed again. A node that still
        cannot tell raises NodeStoppedError and keeps the entry."""
        for set_name, record in self.records.sets.items():
            for key, sent in list(record.pending.items()):
                label = f"{set_name}/{key}"
                try:
                    receipt = self.chain.settle(sent.raw, sent.transaction_hash, sent.deployer, sent.nonce)
                except NodeUnreachableError as exc:
                    raise NodeStoppedError(
                        f"the node at {node_url(self.chain)} cannot tell what became of {label}'s deployment "
                        f"{sent.transaction_hash}, sent by an earlier run ({exc}); it stays in the records, "
                        f"run deploy again once the node answers"
                    ) from None
                del record.pending[key]
                if receipt is None:
                    self.log(f"{label}: its deployment {sent.transaction_hash} never landed and cannot (nonce taken)")
                elif receipt["status"] != 1:
                    self.log(f"{label}: its deployment {sent.transaction_hash} reverted")
                else:
                    record.contracts[key] = self._landed(sent, receipt)
                    self.log(f"{label}: its deployment sent by an earlier run landed at {receipt['contractAddress']}")
                self.save()

    def _landed(self, sent: PendingDeployment, receipt: Any) -> ContractRecord:
        address = to_checksum_address(receipt["contractAddress"])
        return ContractRecord(
            **sent.model_dump(include={"contract", "source", "deployer", "constructor_args", "value", "bytecode_hash"}),
            address=address,
            transaction_hash=sent.transaction_hash,
            block_number=int(receipt["blockNumber"]),
            code_hash=code_hash(self.chain.code_at(address)),
            gas_used=int(receipt["gasUsed"]),
        )

    # --- one set ----------------------------------------------------------------------------------------------
    def deploy_set(
        self,
        spec: ContractSet,
        params: BaseModel,
        *,
        key: str | None = None,
        arguments: dict[str, Any] | None = None,
        time_shift: int = 0,
    ) -> SetOutcome:
        """Deploy (or reuse) one set, recorded under `key` (default: the set's name). With `arguments` (a
        scenario's `with:`, as `s4chain deploy --scenario` gives them), the driver deploys with those instead of
        the set's roles: the accounts among them are recorded as roles, the rest as `args`; `time_shift` is
        recorded as the scenario's."""
        name = key or spec.name
        params_json = params.model_dump(mode="json")
        if arguments is None:
            role_accounts = spec.role_accounts(self.chain)
            roles: dict[str, str] = {role: account.address for role, account in role_accounts.items()}
            args: dict[str, Any] = {}
        else:
            roles = {k: v.address for k, v in arguments.items() if isinstance(v, LocalAccount)}
            args = {k: json_args(v) for k, v in arguments.items() if not isinstance(v, LocalAccount)}
        old = self.records.sets.get(name)
        if old is not None and (old.params, old.roles, old.args) != (params_json, roles, args):
            self.log(f"{name}: parameters changed since the recorded deployment: redeploying the set")
            old = None
        if old is not None and old.complete and self.is_unchanged(old):
            self.log(f"{name}: unchanged on chain ({len(old.contracts)} contracts), nothing to send")
            reused = [ContractOutcome(name, k, "reused", "", r) for k, r in old.contracts.items()]
            return SetOutcome(name, "unchanged", reused)
        previous = dict(old.contracts) if old is not None else {}
        live = SetRecord(
            driver=spec.driver,
            complete=False,
            params=params_json,
            roles=roles,
            args=args,
            time_shift=time_shift,
            contracts=dict(previous),
        )
        self.records.sets[name] = live
        self.save()
        outcome = SetOutcome(name, "deployed")
        strategy = _ReuseOrDeploy(self, name, previous, live, outcome)
        try:
            with self.chain.deploying_with(strategy):
                if arguments is None:
                    spec.deploy(self.chain, params, role_accounts)
                else:
                    driver = spec.use_case.driver.deploy(self.chain, params, **arguments)
                    self._record_borrowed(strategy, driver.contracts())
        except TransactionUnconfirmedError as exc:
            # Never sent again under another nonce (that would leave an orphan contract): it is named instead.
            raise NodeStoppedError(
                f"the node at {node_url(self.chain)} stopped answering while deploying {name}: {exc}; "
                f"{self._kept()} and this transaction as sent: once the node answers, run deploy again, which "
                f"looks it up and continues"
            ) from None
        except NodeUnreachableError as exc:
            raise NodeStoppedError(
                f"the node at {node_url(self.chain)} stopped answering while deploying {name} ({exc}); "
                f"{self._kept()}; run deploy again to continue"
            ) from None
        except ContractRevert as exc:
            raise DeployFailedError(f"{name}: a transaction reverted: {exc}; {self._kept()}") from None
        except (RpcError, Web3Exception) as exc:
            if "insufficient funds" in str(exc).lower():
                account = next(iter(roles.values()), self.chain.accounts[0].address)
                raise InsufficientFundsError(
                    account, self.chain.balance(account), 0, f"deploying {name} (the node refused: {exc})"
                ) from None
            raise DeployFailedError(f"{name}: the node refused a transaction: {exc}; {self._kept()}") from None
        live.contracts = strategy.seen
        live.complete = True
        self.save()
        if any(c.action == "reused" for c in outcome.contracts):
            outcome.status = "updated"
        return outcome

    def _record_borrowed(self, strategy: _ReuseOrDeploy, contracts: dict[str, Contract]) -> None:
        """A contract a set uses without deploying it (another set's, given by a scenario's `@set.Contract`) is
        recorded in this set too, as that set recorded it: attaching to this set needs it."""
        recorded = {c.address: c for s in self.records.sets.values() for c in s.contracts.values()}
        for key, contract in contracts.items():
            if key not in strategy.seen and contract.address in recorded:
                strategy.seen[key] = recorded[contract.address]

    def _kept(self) -> str:
        count = sum(len(s.contracts) for s in self.records.sets.values())
        where = self.path if self.path is not None else "memory (embedded chain)"
        return f"the records in {where} keep the {count} contract(s) confirmed"

    def is_unchanged(self, record: SetRecord) -> bool:
        """Every contract of the set can be reused: same artifact, and the recorded code at its address."""
        for contract in record.contracts.values():
            try:
                artifact = self.chain.artifacts.get(contract.source)
            except (ArtifactNotFoundError, KeyError):
                return False
            if self.reuse_problem(contract, artifact, None, contract.deployer, contract.value) is not None:
                return False
        return True

    def reuse_problem(
        self, record: ContractRecord | None, artifact: Artifact, args: list[Any] | None, deployer: str, value: int
    ) -> str | None:
        """Why the recorded contract cannot be reused (None: it can)."""
        if record is None:
            return "new"
        if record.bytecode_hash != bytecode_hash(artifact):
            return "its artifact changed since it was deployed"
        code = self.chain.code_at(record.address)
        if not code:
            return f"no code at its recorded address {record.address}: the chain was reset or reverted"
        if code_hash(code) != record.code_hash:
            return f"the code at {record.address} is not the code recorded at deployment"
        if args is not None and addresses_in(args) != addresses_in(record.constructor_args):
            return "a contract or account among its constructor arguments changed"
        if record.deployer != deployer or record.value != value:
            return "another deployer or value"
        return None


class _ReuseOrDeploy:
    """The deploy strategy of one set's deployment: reuse the recorded contract, or deploy and record it."""

    def __init__(
        self, deployer: Deployer, set_name: str, previous: dict[str, ContractRecord], live: SetRecord, out: SetOutcome
    ) -> None:
        self.deployer = deployer
        self.set_name = set_name
        self.previous = previous
        self.live = live
        self.out = out
        self.seen: dict[str, ContractRecord] = {}
        self.first_deployed: str | None = None  # once one is deployed, every later one of the set is too

    def _key(self, name: str) -> str:
        if name not in self.seen:
            return name
        n = 2
        while f"{name}#{n}" in self.seen:
            n += 1
        return f"{name}#{n}"

    def __call__(self, request: DeployRequest) -> Contract:
        owner = self.deployer
        chain, artifact, args, value = request.chain, request.artifact, request.args, request.value
        key = self._key(artifact.contract_name)
        label = f"{self.set_name}/{key}"
        args_json = json_args(list(args))
        account = request.sender.address if request.sender is not None else chain.accounts[0].address
        old = self.previous.get(key)
        if old is not None and self.first_deployed is not None:
            problem: str | None = f"comes after {self.first_deployed}, deployed in this run"
        else:
            problem = owner.reuse_problem(old, artifact, args_json, account, value)
        if problem is None and old is not None:
            self.seen[key] = old
            self.out.contracts.append(ContractOutcome(self.set_name, key, "reused", "", old))
            owner.log(f"{label}: reused at {old.address}")
            return chain.at(artifact, old.address)
        if problem != "new":
            owner.log(f"{label}: redeploying ({problem})")
        pending = {
            "contract": artifact.contract_name,
            "source": artifact.fully_qualified_name,
            "deployer": account,
            "constructor_args": args_json,
            "value": value,
            "bytecode_hash": bytecode_hash(artifact),
        }

        def sent(sender: str, nonce: int, raw: bytes, tx_hash: str) -> None:  # recorded before it is sent
            entry = {"transaction_hash": tx_hash, "nonce": nonce, "raw_transaction": "0x" + raw.hex()}
            self.live.pending[key] = PendingDeployment.model_validate({**pending, **entry})
            owner.save()

        try:
            contract = request.proceed(on_signed=sent)
        except NodeUnreachableError:
            raise  # its fate unknown: the pending entry stays, for the next run to settle
        except InsufficientFundsError as exc:
            self.live.pending.pop(key, None)
            raise InsufficientFundsError(exc.account, exc.balance, exc.cost, f"deploying {label}") from None
        except BaseException:
            self.live.pending.pop(key, None)  # refused or reverted: it took no contract's place
            raise
        self.live.pending.pop(key, None)
        result = contract.deployment
        assert result is not None
        record = ContractRecord(
            contract=artifact.contract_name,
            source=artifact.fully_qualified_name,
            address=contract.address,
            transaction_hash=result.tx_hash,
            block_number=result.block_number,
            deployer=account,
            constructor_args=args_json,
            value=value,
            bytecode_hash=bytecode_hash(artifact),
            code_hash=code_hash(chain.code_at(contract.address)),
            gas_used=result.gas_used,
        )
        self.seen[key] = record
        self.live.contracts[key] = record
        owner.deployed += 1
        self.first_deployed = self.first_deployed or label
        owner.save()
        self.out.contracts.append(ContractOutcome(self.set_name, key, "deployed", problem or "", record))
        owner.log(f"{label}: deployed at {contract.address} (block {result.block_number}, {result.gas_used:,} gas)")
        if owner.on_record is not None:
            owner.on_record(self.set_name, key, record)
        return contract
