"""The events of a driver's contract, fetched incrementally: each read asks the chain only for the blocks mined
since the last one, so a replay's cost per step does not grow with its history (a scan from block 0 on every
read made a replay O(n^2))."""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from s4chain.chain import Chain, Contract, DecodedEvent


class EventIndex:
    """Every decodable event of one contract, in chain order, from its deployment block (0 when unknown, e.g.
    a contract attached by address) to the latest block.

    The index remembers the number and identity (`Chain.block_id`, the hash unless the chain has a cheaper one) of
    the last block it scanned; when that block is gone or is another block (a snapshot reverted, a node resumed on
    another history), it starts over, so it holds only the surviving history."""

    def __init__(self, chain: Chain, contract: Contract) -> None:
        self._chain = chain
        self._address = contract.address
        deployment = contract.deployment
        self._start = deployment.block_number if deployment is not None else 0
        self._events: list[DecodedEvent] = []
        self._last: tuple[int, bytes] | None = None  # (number, block_id) of the last block scanned

    def events(self) -> Sequence[DecodedEvent]:
        """The events up to the latest block (read-only: the index keeps extending this list)."""
        head = self._chain.block_number
        if self._last is not None:
            number, block_id = self._last
            if number > head or self._chain.block_id(number) != block_id:
                self._events, self._last = [], None
        first = self._start if self._last is None else self._last[0] + 1
        if first <= head:
            self._events.extend(self._chain.get_events(first, head, address=self._address))
            self._last = (head, self._chain.block_id(head))
        return self._events


_INDEXES: WeakKeyDictionary[Contract, EventIndex] = WeakKeyDictionary()


def events_of(chain: Chain, contract: Contract) -> Sequence[DecodedEvent]:
    """The events of `contract` (one of a driver's own, kept by it), through the index kept with it."""
    index = _INDEXES.get(contract)
    if index is None:
        index = _INDEXES[contract] = EventIndex(chain, contract)
    return index.events()
