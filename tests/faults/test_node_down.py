"""A node that is down (its port refuses connections) is not waited for: a send to it gives up once a look-up by
hash is refused too (after a read's retries), not after the confirm timeout, naming the transaction in doubt (the
next run settles it by that hash). A real anvil, killed."""

from __future__ import annotations

import time

import pytest

from s4chain.chain import AnvilNode, RpcChain, TransactionUnconfirmedError, anvil_binary
from s4chain.chain.base import RECEIPT_TIMEOUT
from s4chain.chain.errors import NodeDownError
from s4chain.project import Project

pytestmark = pytest.mark.anvil


def test_a_send_to_a_node_that_went_down_gives_up_without_waiting_the_confirm_timeout(s4_project: Project) -> None:
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        chain = RpcChain(node.url)
        alice, bob = chain.accounts[:2]
        chain.send(bob.address, b"", sender=alice, value=1)  # the next nonce is now counted locally
        assert chain.confirm_timeout == RECEIPT_TIMEOUT  # the default: a minute
        assert node.process is not None
        node.process.kill()
        node.process.wait()
        started = time.monotonic()
        with pytest.raises(TransactionUnconfirmedError) as raised:
            chain.send(bob.address, b"", sender=alice, value=1)
        seconds = time.monotonic() - started
    # The look-up's retries (about 1.5 s) and no more; it waited the whole minute before.
    assert seconds < RECEIPT_TIMEOUT / 4, seconds
    assert isinstance(raised.value.__cause__, NodeDownError)
    message = str(raised.value)
    assert raised.value.tx_hash in message and node.url in message, message  # to be looked up once it is back
