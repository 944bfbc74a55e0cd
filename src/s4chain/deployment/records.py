"""Deployment records: `deployments/<chainId>.json`, one file per chain, what `s4chain deploy` put where.

The file is rewritten atomically after every confirmed contract, so an interrupted deploy keeps everything that
was confirmed, and before each deployment transaction is sent (a `pending` entry, settled by the next run: see
`PendingDeployment`). Any tool can read it; in Python, `load_records(path)` gives a validated `DeploymentRecords` and
`records.attach(chain)` gives the contracts ready to call:

    records = load_records(Path("deployments/31337.json"))
    contracts = records.attach(chain)          # {"ico": {"TokenSale": Contract, ...}, ...}
    sale = contracts["ico"]["TokenSale"]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from s4chain.errors import S4ChainError
from s4chain.files import write_json_atomic

if TYPE_CHECKING:
    from s4chain.chain.base import Chain
    from s4chain.chain.contract import Contract
    from s4chain.compiler.artifacts import Artifact

RECORDS_FORMAT = 1
DEFAULT_DIRECTORY = Path("deployments")
_HASH = re.compile(r"^0x[0-9a-f]{64}$")


class RecordsFileError(S4ChainError):
    """A records file that cannot be read: bad JSON or a missing or invalid field. The file is left untouched."""


def _check_hash(value: str) -> str:
    if not _HASH.match(value):
        raise ValueError("must be 0x and 64 lowercase hex digits")
    return value


class ContractRecord(BaseModel):
    """One deployed contract."""

    model_config = ConfigDict(extra="forbid")

    contract: str  # contract name, as `chain.at` takes it
    source: str  # the artifact's fully qualified name, `contracts/x/Y.sol:Y`
    address: str
    transaction_hash: str
    block_number: int = Field(ge=0)
    deployer: str
    constructor_args: list[Any]  # addresses checksummed, bytes as 0x hex, integers >= 2**53 as decimal strings
    value: int = 0  # wei sent with the deployment
    bytecode_hash: str  # keccak-256 of the artifact's creation bytecode
    code_hash: str  # keccak-256 of the runtime code on chain right after deployment (EXTCODEHASH)
    gas_used: int = Field(ge=0)

    @field_validator("address", "deployer")
    @classmethod
    def _address(cls, value: str) -> str:
        return to_checksum_address(value)

    @field_validator("transaction_hash", "bytecode_hash", "code_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        return _check_hash(value)


class PendingDeployment(BaseModel):
    """A deployment transaction signed and sent whose fate the deploy did not learn (its answer was lost and the
    node stopped answering). Written before the transaction is sent; the next deploy (or replay
    --use-deployments) settles it by its hash: landed, it becomes the contract's record; lost, the same signed
    bytes are sent again (the same transaction, never a second contract); dropped only once its nonce is taken."""

    model_config = ConfigDict(extra="forbid")

    contract: str
    source: str
    transaction_hash: str
    nonce: int = Field(ge=0)
    raw_transaction: str  # the signed transaction, 0x hex; its keccak-256 is `transaction_hash`
    deployer: str
    constructor_args: list[Any]
    value: int = 0
    bytecode_hash: str

    @field_validator("deployer")
    @classmethod
    def _address(cls, value: str) -> str:
        return to_checksum_address(value)

    @field_validator("transaction_hash", "bytecode_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        return _check_hash(value)

    @model_validator(mode="after")
    def _signed_bytes(self) -> PendingDeployment:
        try:
            raw = bytes.fromhex(self.raw_transaction.removeprefix("0x"))
        except ValueError:
            raise ValueError("raw_transaction: not hex") from None
        if "0x" + keccak(raw).hex() != self.transaction_hash:
            raise ValueError("raw_transaction: its hash is not transaction_hash (a damaged entry)")
        return self

    @property
    def raw(self) -> bytes:
        return bytes.fromhex(self.raw_transaction.removeprefix("0x"))


class SetRecord(BaseModel):
    """One contract set (a use case's: ico, leasing, ...): its parameters, roles and contracts."""

    model_config = ConfigDict(extra="forbid")

    driver: str
    complete: bool = False  # every contract and setup transaction of the set confirmed
    params: dict[str, Any] = Field(default_factory=dict)  # the driver's params, as JSON
    roles: dict[str, str] = Field(default_factory=dict)  # role -> address (platform, sme, admin, ...)
    # The other deploy arguments a scenario's `with:` gave (`deploy --scenario`): addresses, lists, as JSON.
    args: dict[str, Any] = Field(default_factory=dict)
    time_shift: int = 0  # seconds the scenario's dates were moved forward by (`deploy --scenario --shift-time`)
    contracts: dict[str, ContractRecord] = Field(default_factory=dict)
    pending: dict[str, PendingDeployment] = Field(default_factory=dict)  # contract key -> sent, not confirmed


class DeploymentRecords(BaseModel):
    """Everything deployed on one chain."""

    model_config = ConfigDict(extra="forbid")

    format: int = RECORDS_FORMAT
    chain_id: int
    genesis_hash: str  # block 0's hash: tells a chain from another one with the same id (e.g. a restarted anvil)
    client_version: str = ""
    sets: dict[str, SetRecord] = Field(default_factory=dict)

    @field_validator("genesis_hash")
    @classmethod
    def _genesis(cls, value: str) -> str:
        return _check_hash(value)

    @field_validator("format")
    @classmethod
    def _format(cls, value: int) -> int:
        if value != RECORDS_FORMAT:
            raise ValueError(f"unsupported records format {value} (this s4chain reads format {RECORDS_FORMAT})")
        return value

    def attach(self, chain: Chain, sets: list[str] | None = None) -> dict[str, dict[str, Contract]]:
        """The recorded contracts as `Contract` objects on `chain`, by set then contract key.

        Checks first that `chain` is the recorded chain (chain id and genesis hash) and that every contract has
        code (raises `StaleRecordsError` otherwise); `sets` limits it to some sets."""
        from s4chain.compiler.artifacts import ArtifactNotFoundError

        verify_chain(self, chain)
        attached: dict[str, dict[str, Contract]] = {}
        for set_name, set_record in self.sets.items():
            if sets is not None and set_name not in sets:
                continue
            attached[set_name] = {}
            for key, record in set_record.contracts.items():
                if not chain.code_at(record.address):
                    raise StaleRecordsError(
                        f"{set_name}/{key}: no code at {record.address} (the chain was reset?); run `s4chain deploy`"
                    )
                try:
                    attached[set_name][key] = chain.at(record.source, record.address)
                except ArtifactNotFoundError as exc:
                    raise StaleRecordsError(f"{set_name}/{key}: {exc} (recorded as {record.source})") from None
        return attached


def scenario_key(scenario: Path, set_name: str) -> str:
    """The records' key of a set `s4chain deploy --scenario` deployed for a scenario file: `<file stem>/<set>`
    (a plain deploy's sets are keyed by their use case's name, `ico`)."""
    return f"{scenario.stem}/{set_name}"


@dataclass(frozen=True)
class Difference:
    """A field whose recorded value is not the one a scenario deploys with (`params.opening`, `with.team`);
    None where one side has no such field."""

    field: str
    recorded: Any
    wanted: Any


def differences(record: SetRecord, params: dict[str, Any], arguments: dict[str, Any]) -> list[Difference]:
    """What differs between a recorded set and the `params` (as JSON) and deploy `arguments` (roles and other
    arguments together, as JSON) a scenario gives, field by field (nested params by their dotted path)."""
    found = _leaf_differences("params", record.params, params)
    recorded = {**record.roles, **record.args}
    for name in dict.fromkeys([*recorded, *arguments]):
        if recorded.get(name) != arguments.get(name):
            found.append(Difference(f"with.{name}", recorded.get(name), arguments.get(name)))
    return found


def _leaf_differences(path: str, recorded: Any, wanted: Any) -> list[Difference]:
    if isinstance(recorded, dict) and isinstance(wanted, dict):
        keys = dict.fromkeys([*recorded, *wanted])
        return [d for key in keys for d in _leaf_differences(f"{path}.{key}", recorded.get(key), wanted.get(key))]
    return [] if recorded == wanted else [Difference(path, recorded, wanted)]


class StaleRecordsError(S4ChainError):
    """The records do not describe this chain (other chain id or genesis) or its code is gone."""


def genesis_hash(chain: Chain) -> str:
    return "0x" + bytes(chain.w3.eth.get_block(0)["hash"]).hex()


def verify_chain(records: DeploymentRecords, chain: Chain) -> None:
    """Raise StaleRecordsError unless `chain` has the records' chain id and genesis block."""
    if records.chain_id != chain.chain_id:
        raise StaleRecordsError(f"the records are for chain id {records.chain_id}, the node is chain {chain.chain_id}")
    genesis = genesis_hash(chain)
    if records.genesis_hash != genesis:
        raise StaleRecordsError(
            f"the records are for the chain with genesis {records.genesis_hash}, the node's genesis is {genesis} "
            f"(same chain id {chain.chain_id}, another chain: a restarted dev node?)"
        )


def records_path(chain_id: int, directory: Path = DEFAULT_DIRECTORY) -> Path:
    """`deployments/<chainId>.json`."""
    return directory / f"{chain_id}.json"


def load_records(path: Path) -> DeploymentRecords:
    """Read and validate a records file; RecordsFileError names the file and the line or field at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecordsFileError(f"{path}: no such records file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordsFileError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordsFileError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    try:
        return DeploymentRecords.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise RecordsFileError(f"{path}: not a valid deployment records file: {problems}") from None


def save_records(path: Path, records: DeploymentRecords) -> None:
    """Write atomically: a reader (or a crash) sees the previous file or this one, never half of it."""
    write_json_atomic(path, records.model_dump(mode="json"))


def bytecode_hash(artifact: Artifact) -> str:
    """keccak-256 of the artifact's creation bytecode."""
    return "0x" + keccak(bytes.fromhex(artifact.bytecode.removeprefix("0x"))).hex()


def code_hash(code: bytes) -> str:
    """keccak-256 of runtime code, as EXTCODEHASH gives it."""
    return "0x" + keccak(code).hex()


def json_args(value: Any) -> Any:
    """Constructor arguments as JSON: accounts and contracts as checksummed addresses, bytes as 0x hex, tuples
    as lists, integers beyond 2**53 as decimal strings (so that JavaScript readers keep them exact)."""
    from s4chain.chain.contract import as_address

    value = as_address(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [json_args(item) for item in value]
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        try:
            return to_checksum_address(value)
        except ValueError:
            return value
    return value


def addresses_in(value: Any) -> list[str]:
    """Every address among (JSON) constructor arguments, in order: the contracts and accounts it depends on."""
    if isinstance(value, list):
        return [address for item in value for address in addresses_in(item)]
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        try:
            return [to_checksum_address(value)]
        except ValueError:
            return []
    return []
