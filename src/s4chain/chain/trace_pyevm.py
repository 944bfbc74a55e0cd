"""Call traces and console.log on the in-process chain (py-evm).

py-evm keeps the tree of an execution by itself: each computation holds its message, its output, its error, its own
logs and its child computations. A trace runs the transaction again (on the state before it, with the transactions
before it in its block applied first) or the call, and reads that tree; so tracing costs nothing while no trace is
asked for. Two things the tree lacks are noted while a trace runs, by a wrapper around the computation class's
`apply_message`/`apply_create_message`: the opcode that made each call (CALL, STATICCALL, DELEGATECALL, CREATE2...)
and how many of its caller's events came before it.

The same wrapper catches calls to the console address as they happen (the only thing it does when no trace
runs: one comparison per message) and hands their calldata to the chain's `ConsoleBuffer`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from eth.abc import ComputationAPI, MessageAPI, StateAPI, TransactionContextAPI
from eth.exceptions import OutOfGas, Revert
from eth.vm.spoof import SpoofTransaction
from eth_utils import to_checksum_address

from s4chain.chain.trace import CallFrame, TraceLog, TraceUnavailable
from s4chain.chain.trace_console import CONSOLE_ADDRESS, ConsoleBuffer

_CONSOLE = bytes.fromhex(CONSOLE_ADDRESS[2:])
_OPCODES = {0xF0: "CREATE", 0xF1: "CALL", 0xF2: "CALLCODE", 0xF4: "DELEGATECALL", 0xF5: "CREATE2", 0xFA: "STATICCALL"}

# The chains whose console.log calls are caught, by the id of their state database (what a computation's state
# holds): the database, weakly, and the chain's buffer.
_SINKS: dict[int, tuple[weakref.ref[Any], ConsoleBuffer]] = {}
# While a trace runs: per computation (by id), the opcode that made it and how many of its caller's logs preceded it.
_NOTES: list[dict[int, tuple[str | None, int]]] = []

Apply = Callable[..., ComputationAPI]


def _wrapped(apply: Apply) -> Apply:
    def apply_message(
        cls: Any,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
        parent_computation: ComputationAPI | None = None,
    ) -> ComputationAPI:
        if message.code_address == _CONSOLE:
            sink = _SINKS.get(id(state._db))  # type: ignore[attr-defined]
            if sink is not None and sink[0]() is state._db:  # type: ignore[attr-defined]
                sink[1].add(bytes(message.data))
        if not _NOTES:
            return apply(cls, state, message, transaction_context, parent_computation)
        kind, before = None, 0
        if parent_computation is not None:
            code = parent_computation.code
            kind = _OPCODES.get(code[code.program_counter - 1])  # the call opcode being run (it has no operand)
            before = len(parent_computation._log_entries)
        computation = apply(cls, state, message, transaction_context, parent_computation)
        _NOTES[-1].setdefault(id(computation), (kind, before))
        return computation

    return apply_message


def watch(computation_class: type[ComputationAPI]) -> None:
    """Wrap the computation class's message execution, once per class (every chain of the process shares it)."""
    if "_s4chain_watched" in computation_class.__dict__:
        return
    for name in ("apply_message", "apply_create_message"):
        apply = getattr(computation_class, name).__func__
        setattr(computation_class, name, classmethod(_wrapped(apply)))
    computation_class._s4chain_watched = True  # type: ignore[attr-defined]


def catch_console(db: Any, buffer: ConsoleBuffer) -> None:
    """Hand every console.log call run on the state database `db` to `buffer`."""
    for key in [key for key, (ref, _) in _SINKS.items() if ref() is None]:
        del _SINKS[key]
    _SINKS[id(db)] = (weakref.ref(db), buffer)


def _address(raw: bytes) -> str:
    return to_checksum_address(raw)


def _error(computation: ComputationAPI) -> str | None:
    if not computation.is_error:
        return None
    error = computation.error
    if isinstance(error, Revert):
        return "execution reverted"
    if isinstance(error, OutOfGas):
        return "out of gas"
    return type(error).__name__


def _frame(
    computation: ComputationAPI, notes: dict[int, tuple[str | None, int]], kind: str, caller: bytes | None = None
) -> CallFrame:
    """`caller`: the account whose code made the call (a delegate call's message names the one before it)."""
    message = computation.msg
    children = computation.children
    starts = [notes.get(id(child), (None, 0))[1] for child in children]
    logs = [
        TraceLog(
            _address(address),
            tuple(topic.to_bytes(32, "big") for topic in topics),
            bytes(data),
            sum(1 for start in starts if start <= index),
        )
        for index, (_, address, topics, data) in enumerate(computation._log_entries)
    ]
    calls = []
    for child in children:
        opcode = notes.get(id(child), (None, 0))[0]
        calls.append(_frame(child, notes, opcode or _kind_of(child.msg, message), message.storage_address))
    is_create = message.is_create
    return CallFrame(
        kind=kind,
        sender=_address(caller if caller is not None else message.sender),
        to=_address(message.storage_address if is_create else message.code_address),
        value=0 if kind in ("STATICCALL", "DELEGATECALL") else message.value,
        gas=message.gas,
        gas_used=computation.get_gas_used(),
        input=bytes(message.code if is_create else message.data),
        output=bytes(computation.output),
        error=_error(computation),
        logs=logs,
        calls=calls,
    )


def _kind_of(message: MessageAPI, parent: MessageAPI) -> str:
    """The call's kind from its message, when the opcode was not noted."""
    if message.is_create:
        return "CREATE"
    if message.is_static and not parent.is_static:
        return "STATICCALL"
    if not message.should_transfer_value:
        return "DELEGATECALL"
    return "CALL"


class PyEvmTracing:
    """What `InProcessChain` adds for traces and console.log (it is the first base of that class)."""

    console: ConsoleBuffer
    tester: Any  # eth-tester, whose backend's `chain` is py-evm's

    @property
    def _pyevm_chain(self) -> Any:
        """py-evm's chain, every block the engine mined sealed into it (the one place this module reaches into how
        InProcessChain drives py-evm)."""
        return self.tester.backend.chain

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chain = self._pyevm_chain
        watch(chain.get_vm().state.computation_class)
        catch_console(chain.chaindb.db, self.console)

    def _run_traced(self, vm: Any, transaction: Any) -> CallFrame:
        """Run `transaction` on `vm`'s state, noting what the trace needs, and turn its computation into frames."""
        _NOTES.append({})
        try:
            with self.console.muted():
                computation = vm.state.apply_transaction(transaction)
        finally:
            notes = _NOTES.pop()
        frame = _frame(computation, notes, "CREATE" if computation.msg.is_create else "CALL")
        frame.gas_used = vm.finalize_gas_used(transaction, computation)
        return frame

    def _trace_transaction_frame(self, tx_hash: str) -> tuple[CallFrame, str | None]:
        chain = self._pyevm_chain
        try:
            number, index = chain.chaindb.get_transaction_index(bytes.fromhex(tx_hash.removeprefix("0x")))
        except Exception as exc:  # py-evm's TransactionNotFound, or a hash that is no hash
            raise TraceUnavailable(f"no mined transaction {tx_hash} on this chain") from exc
        block = chain.get_canonical_block_by_number(number)
        parent = chain.get_canonical_block_header_by_number(number - 1)
        # The block's own execution context (time, number, base fee) over the state its parent left.
        vm = chain.get_vm(at_header=block.header.copy(state_root=parent.state_root, gas_used=0))
        snapshot = vm.state.snapshot()
        try:
            vm.block_preprocessing(block)
            with self.console.muted():
                for earlier in block.transactions[:index]:
                    vm.state.apply_transaction(earlier)
            return self._run_traced(vm, block.transactions[index]), None
        finally:
            vm.state.revert(snapshot)

    def _trace_call_frame(self, tx: dict[str, Any], block: int | str) -> tuple[CallFrame, str | None]:
        chain = self._pyevm_chain
        pending = chain.header.block_number
        number = (
            pending - 1 if block in ("latest", "safe", "finalized", "pending") else 0 if block == "earliest" else block
        )
        if not isinstance(number, int) or not 0 <= number < pending:
            raise TraceUnavailable(f"no mined block {block!r} to trace a call on")
        vm = chain.get_vm(at_header=chain.get_canonical_block_header_by_number(number))
        sender = bytes.fromhex(str(tx["from"]).removeprefix("0x"))
        to = bytes.fromhex(str(tx["to"]).removeprefix("0x")) if tx.get("to") else b""
        data = tx.get("data", b"")
        unsigned = vm.create_unsigned_transaction(
            nonce=vm.state.get_nonce(sender),
            gas_price=0,
            gas=int(tx.get("gas", 30_000_000)),
            to=to,
            value=int(tx.get("value", 0)),
            data=bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else bytes(data),
        )
        snapshot = vm.state.snapshot()
        try:
            return self._run_traced(vm, SpoofTransaction(unsigned, from_=sender)), None
        finally:
            vm.state.revert(snapshot)
