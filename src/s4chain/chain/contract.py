"""A deployed contract as a Python object: `sale.buy(amount, sender=alice)` sends a transaction,
`sale.raised()` calls a view. Results carry gas and decoded events; reverts raise decoded exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi.exceptions import EncodingError
from eth_account.signers.local import LocalAccount
from eth_utils import abi_to_signature, function_abi_to_4byte_selector, to_checksum_address

from s4chain.chain.events import DecodedEvent

if TYPE_CHECKING:
    from s4chain.chain.base import Chain


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    block_number: int
    timestamp: int
    gas_used: int
    events: list[DecodedEvent] = field(default_factory=list)
    contract_address: str | None = None

    def events_named(self, name: str) -> list[DecodedEvent]:
        return [event for event in self.events if event.name == name]

    def _complete(self, mined: TxResult) -> None:
        """Fill in a result handed out before its block was mined (inside `Chain.one_block`)."""
        for name in ("block_number", "timestamp", "gas_used", "events", "contract_address"):
            object.__setattr__(self, name, getattr(mined, name))


def as_address(value: Any) -> Any:
    """Accounts and contracts stand for their address wherever an ABI wants one."""
    if isinstance(value, LocalAccount):
        return value.address
    if isinstance(value, Contract):
        return value.address
    if isinstance(value, list | tuple):
        return type(value)(as_address(v) for v in value)
    return value


class Contract:
    def __init__(
        self,
        chain: Chain,
        address: str,
        abi: list[dict[str, Any]],
        name: str = "Contract",
        deployment: TxResult | None = None,
    ) -> None:
        self.chain = chain
        self.deployment = deployment
        self.address = to_checksum_address(address)
        self.abi = abi
        self.contract_name = name  # not `name`: that is ERC-20's name()
        self._web3_contract = chain.w3.eth.contract(address=self.address, abi=abi)
        self._selectors: dict[int, bytes] = {}
        self._overloads: dict[str, list[dict[str, Any]]] = {}
        for entry in abi:
            if entry.get("type") == "function":
                self._overloads.setdefault(entry["name"], []).append(entry)

    def __repr__(self) -> str:
        return f"<{self.contract_name} at {self.address}>"

    def _selector(self, entry: dict[str, Any]) -> bytes:
        """A function's 4-byte selector, computed once per ABI entry of this contract."""
        key = id(entry)  # entries belong to self.abi, so their ids stay theirs while this contract lives
        if key not in self._selectors:
            self._selectors[key] = function_abi_to_4byte_selector(entry)  # type: ignore[arg-type]
        return self._selectors[key]

    def __getattr__(self, name: str) -> ContractFunction:
        if name.startswith("_") or name not in self._overloads:
            raise AttributeError(f"{self.contract_name} has no function {name!r}")
        return ContractFunction(self, name)


class ContractFunction:
    def __init__(self, contract: Contract, name: str) -> None:
        self.contract = contract
        self.name = name

    def _abi(self, args: tuple[Any, ...]) -> dict[str, Any]:
        """The ABI entry these arguments call: overloads are told apart by arity, then by what encodes."""
        overloads = self.contract._overloads[self.name]
        fitting = [e for e in overloads if len(e.get("inputs", [])) == len(args)]
        if len(fitting) > 1:
            codec = self.contract.chain.w3.codec
            fitting = [
                e
                for e in fitting
                if all(codec.is_encodable(_type_string(p), a) for p, a in zip(e["inputs"], args, strict=True))
            ] or fitting
        if not fitting:
            arities = sorted({len(e.get("inputs", [])) for e in overloads})
            raise TypeError(
                f"{self.contract.contract_name}.{self.name} takes {' or '.join(map(str, arities))} argument(s), "
                f"got {len(args)}"
            )
        if len(fitting) > 1:
            options = ", ".join(abi_to_signature(e) for e in fitting)  # type: ignore[arg-type]
            raise TypeError(f"{self.contract.contract_name}.{self.name}{args} is ambiguous between {options}")
        return fitting[0]

    def encode(self, *args: Any) -> bytes:
        args = as_address(args)
        abi = self._abi(args)
        codec = self.contract.chain.w3.codec
        try:
            # The direct path: values already in the form eth-abi takes (most calls, and every hot loop).
            return self.contract._selector(abi) + codec.encode([_type_string(p) for p in abi["inputs"]], args)
        except (EncodingError, TypeError, ValueError):
            # web3 also accepts hex text for bytes and lower-case addresses; it normalises them first.
            signature = abi_to_signature(abi)  # type: ignore[arg-type]
            data = self.contract._web3_contract.encode_abi(signature, list(args))
            return bytes.fromhex(data[2:])

    def __call__(self, *args: Any, sender: LocalAccount | None = None, value: int = 0) -> Any:
        if self._abi(as_address(args)).get("stateMutability") in ("view", "pure"):
            return self.call(*args, sender=sender)
        return self.transact(*args, sender=sender, value=value)

    def call(self, *args: Any, sender: LocalAccount | None = None, block: int | str = "latest") -> Any:
        abi = self._abi(as_address(args))
        raw = self.contract.chain.call(self.contract.address, self.encode(*args), sender=sender, block=block)
        outputs = abi.get("outputs", [])
        types = [_type_string(o) for o in outputs]
        values = self.contract.chain.w3.codec.decode(types, raw)
        values = tuple(_normalise(v, o) for v, o in zip(values, outputs, strict=True))
        return values[0] if len(values) == 1 else values

    def transact(
        self, *args: Any, sender: LocalAccount | None = None, value: int = 0, gas: int | None = None
    ) -> TxResult:
        return self.contract.chain.send(self.contract.address, self.encode(*args), sender=sender, value=value, gas=gas)


def _type_string(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type_string(c) for c in param.get("components", [])) + ")" + kind[5:]
    return kind


def _normalise(value: Any, param: dict[str, Any]) -> Any:
    kind = str(param["type"])
    if kind == "address":
        return to_checksum_address(value)
    if kind == "address[]":
        return [to_checksum_address(v) for v in value]
    return value
