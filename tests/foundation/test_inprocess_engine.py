"""The in-process chain drives py-evm directly (chain/pyevm.py): the same blocks, receipts and gas as eth-tester's
own path, web3 and eth-tester reading and writing the same chain, and events read without eth-tester's walk back
from the head for every receipt."""

from __future__ import annotations

from typing import Any

import pytest
from eth_tester import EthereumTester
from eth_tester.backends.pyevm import main as eth_tester_pyevm
from eth_utils import to_checksum_address

from s4chain.chain import InProcessChain, RpcError
from s4chain.chain.inprocess import eth_tester_backend, eth_tester_web3
from s4chain.compiler import ArtifactStore


@pytest.fixture
def chain(compiled: ArtifactStore) -> InProcessChain:
    return InProcessChain(compiled)


def _signed_raws(chain: InProcessChain) -> list[bytes]:
    """Every transaction the chain signs from now on, as raw bytes."""
    raws: list[bytes] = []
    sign = chain._sign

    def recording(account: Any, tx: dict[str, Any]) -> tuple[bytes, str]:
        raw, tx_hash = sign(account, tx)
        raws.append(raw)
        return raw, tx_hash

    chain._sign = recording  # type: ignore[method-assign]
    return raws


KEYLESS = to_checksum_address("0x" + "5e" * 20)
UNCOMPARED = {"hash", "parentHash", "mixHash", "blockHash"}  # the mix hash is random per block, on both paths


def _same(ours: Any, theirs: Any) -> None:
    assert {k: v for k, v in dict(ours).items() if k not in UNCOMPARED | {"logs"}} == {
        k: v for k, v in dict(theirs).items() if k not in UNCOMPARED | {"logs"}
    }


def test_blocks_receipts_state_roots_and_gas_are_eth_testers(chain: InProcessChain) -> None:
    """The same signed transactions, mined by eth-tester in blocks of the same times, give the same blocks (state,
    transaction and receipt roots, bloom, gas, base fee, times) and receipts (gas, status, logs, addresses)."""
    alice, bob, carol = chain.accounts[:3]
    raws = _signed_raws(chain)
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 1_000, sender=alice)
    token.transfer(bob, 10, sender=alice)
    with pytest.raises(Exception, match="ERC20InsufficientBalance"):
        token.transfer(carol, 10**9, sender=bob)  # reverted, mined all the same
    chain.increase_time(3600)
    with chain.one_block():
        token.approve(bob, 5, sender=alice)
        token.transferFrom(alice, carol, 5, sender=bob)
    chain.mine()  # an empty block
    chain.send(carol.address, b"", sender=alice, value=7)

    tester = EthereumTester(eth_tester_backend())
    w3 = eth_tester_web3(tester)
    backend = tester.backend
    by_block: dict[int, list[bytes]] = {}
    for raw in raws:
        receipt = chain.w3.eth.get_transaction_receipt(w3.keccak(raw))
        by_block.setdefault(int(receipt["blockNumber"]), []).append(raw)
    for number in range(1, chain.block_number + 1):
        backend.chain.header = backend.chain.header.copy(timestamp=chain._block_timestamp(number))
        for raw in by_block.get(number, []):
            backend.send_raw_transaction(raw)
        tester.mine_blocks(1)
    assert w3.eth.block_number == chain.block_number
    for number in range(chain.block_number + 1):
        ours, theirs = chain.w3.eth.get_block(number), w3.eth.get_block(number)
        _same(ours, theirs)
        for tx_hash in ours["transactions"]:
            mine, eth_testers = chain.w3.eth.get_transaction_receipt(tx_hash), w3.eth.get_transaction_receipt(tx_hash)
            _same(mine, eth_testers)
            assert [{**log, "blockHash": None} for log in mine["logs"]] == [
                {**log, "blockHash": None} for log in eth_testers["logs"]
            ]


def test_web3_reads_the_fast_paths_chain_and_the_chain_reads_what_web3_wrote(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    sent = token.mint(alice, 100, sender=alice)
    moved = token.transfer(bob, 30, sender=alice)
    w3 = chain.w3
    # web3 sees every block the fast path mined, with the same hashes, receipts and state.
    assert w3.eth.block_number == chain.block_number == moved.block_number
    assert bytes(w3.eth.get_block("latest")["hash"]) == chain.block_hash(chain.block_number)
    assert bytes(w3.eth.get_block(sent.block_number)["hash"]) == chain.block_hash(sent.block_number)
    receipt = w3.eth.get_transaction_receipt(moved.tx_hash)  # type: ignore[arg-type]
    assert (receipt["gasUsed"], receipt["blockNumber"], receipt["status"]) == (moved.gas_used, moved.block_number, 1)
    assert receipt["logs"][0]["blockHash"] == moved.logs[0]["blockHash"]
    contract = w3.eth.contract(address=token.address, abi=token.abi)
    assert contract.functions.balanceOf(bob.address).call() == 30
    assert w3.eth.get_balance(alice.address) == chain.balance(alice)
    assert contract.functions.balanceOf(alice.address).call(block_identifier=sent.block_number) == 100
    # web3 writes (eth-tester signs and mines): the fast path goes on from there, nonces and events included.
    w3.eth.wait_for_transaction_receipt(contract.functions.transfer(bob.address, 5).transact({"from": alice.address}))
    w3.eth.send_transaction({"from": alice.address, "to": bob.address, "value": 11})
    assert chain.block_number == moved.block_number + 2
    assert token.balanceOf(bob) == 35
    after = token.transfer(bob, 1, sender=alice)  # alice's nonce was taken by web3's: refused once, signed anew
    assert after.block_number == chain.block_number == moved.block_number + 3
    assert [e.args["value"] for e in chain.get_events(moved.block_number, address=token.address)] == [30, 5, 1]
    assert w3.eth.get_transaction_count(alice.address) == chain.engine.nonce(bytes.fromhex(alice.address[2:]))


def test_events_come_from_the_engines_receipts_as_eth_tester_gives_them(
    chain: InProcessChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 10**6, sender=alice)
    for value in range(1, 121):
        token.transfer(bob, value, sender=alice)
    with chain.one_block():
        token.transfer(bob, 1, sender=alice)
        token.approve(bob, 2, sender=alice)
    first = token.deployment.block_number if token.deployment else 0
    theirs = chain.events.decode_all(list(chain.w3.eth.get_logs({"fromBlock": first, "address": token.address})))

    def walk_back(*_: Any) -> None:
        raise AssertionError("get_events walked eth-tester's blocks back from the head")

    monkeypatch.setattr(eth_tester_pyevm, "_get_transaction_by_hash", walk_back)
    ours = chain.get_events(first, address=token.address)
    assert ours == theirs
    transfers = [e.args["value"] for e in ours if e.name == "Transfer"]
    assert transfers == [10**6, *range(1, 121), 1]  # the mint, the loop, the block's transfer
    assert chain.get_events(chain.block_number, "latest")[-1].name == "Approval"


def test_web3_filters_see_the_blocks_and_logs_the_engine_mines(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    blocks = chain.w3.eth.filter("latest")
    transfers = chain.w3.eth.filter({"address": token.address})
    minted = token.mint(alice, 10, sender=alice)
    moved = token.transfer(bob, 3, sender=alice)
    assert [bytes(h) for h in blocks.get_new_entries()] == [
        chain.block_hash(minted.block_number),
        chain.block_hash(moved.block_number),
    ]
    assert [entry["transactionHash"].hex() for entry in transfers.get_new_entries()] == [
        minted.tx_hash.removeprefix("0x"),
        moved.tx_hash.removeprefix("0x"),
    ]


def test_a_transaction_the_chain_refuses_mines_nothing(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    head = chain.block_number
    with pytest.raises(RpcError, match="refused"):
        chain.send(bob.address, b"", sender=alice, value=10**30)  # more ether than alice has
    assert chain.block_number == head
    sent = chain.send(bob.address, b"", sender=alice, value=1)
    assert sent.block_number == head + 1 and chain.balance(bob) == 10_000 * 10**18 + 1


# Returns BLOCKHASH(NUMBER - 1): runtime 43 6001 90 03 40 5f 52 6020 5f f3, deployed by PUSH12 it, MSTORE, RETURN.
PARENT_HASH_CODE = bytes.fromhex("6b" + "4360019003405f5260205ff3" + "5f52600c6014f3")


def test_blockhash_sees_the_hashes_of_blocks_sealed_only_when_it_asks(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    deployed = chain.send(None, PARENT_HASH_CODE, sender=alice)
    assert deployed.contract_address is not None
    for _ in range(3):
        chain.send(bob.address, b"", sender=alice, value=1)
    assert chain.engine._blocks[-2].hash is None  # not sealed yet: nothing asked
    parent = chain.call(deployed.contract_address, b"")
    assert parent == chain.block_hash(chain.block_number - 1) == bytes(chain.w3.eth.get_block("latest")["parentHash"])


def test_no_snapshot_while_transactions_wait_for_their_block(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    with chain.one_block():
        chain.send(bob.address, b"", sender=alice, value=1)
        with pytest.raises(ValueError, match="wait for their block"):
            chain.snapshot()
    assert chain.balance(bob) == 10_000 * 10**18 + 1


def test_transactions_are_signed_as_eth_account_signs_them(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    for tx in (
        {"to": bob.address, "data": b"", "value": 5, "nonce": 0},
        {"data": PARENT_HASH_CODE, "value": 0, "nonce": 7},  # a deployment
    ):
        full = {"type": 2, "chainId": chain.chain_id, "gas": 100_000, "maxFeePerGas": 3 * 10**9}
        full |= {"maxPriorityFeePerGas": 0, **tx}
        signed = alice.sign_transaction(full)
        assert chain._sign(alice, full) == (bytes(signed.raw_transaction), signed.hash.to_0x_hex())
        # The transaction handed to py-evm, built from the fields, is the one the raw bytes decode to.
        assert chain._signed is not None and chain._signed[0] == bytes(signed.raw_transaction)
        built, decoded = chain._signed[1], chain.engine.transaction_builder().decode(chain._signed[0])
        assert built.encode() == chain._signed[0] and built.hash == decoded.hash == bytes(signed.hash)
        assert built.sender == decoded.sender == bytes.fromhex(alice.address[2:])
    other = {"type": 2, "chainId": chain.chain_id, "gas": 21_000, "maxFeePerGas": 1, "maxPriorityFeePerGas": 0}
    other |= {"to": bob.address, "value": "0x5", "data": "0x", "nonce": 0}  # hex text: eth-account signs it
    signed = alice.sign_transaction(other)
    assert chain._sign(alice, other) == (bytes(signed.raw_transaction), signed.hash.to_0x_hex())
    assert chain._signed is None  # submitted as raw bytes, decoded by the engine
    chain._submit_raw(bytes(signed.raw_transaction))
    assert chain.balance(bob) == 10_000 * 10**18 + 5


def test_the_live_states_journals_do_not_grow_with_the_transactions(chain: InProcessChain) -> None:
    """py-evm keeps the rollback data of every committed checkpoint until a persist, which the live state never
    does, and a clear and a trie per deletion of the fee recipient (empty, touched and deleted by each
    transaction): the engine folds the one and drops the other after each transaction, so a long replay's memory
    does not grow by them. The state stays the same: the storage of an account that has nothing else, reads, and
    eth-tester's state roots (the test above)."""
    alice, bob = chain.accounts[:2]
    chain.set_storage_at(KEYLESS, 3, 7)  # storage alone: kept though the account does not exist
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 1_000, sender=alice)
    for _ in range(20):
        token.transfer(bob, 1, sender=alice)
    with pytest.raises(Exception, match="ERC20InsufficientBalance"):
        token.transfer(alice, 10**9, sender=bob)
    account_db = chain.engine._state._account_db
    journals = [account_db._journaldb._journal, account_db._journaltrie._journal]
    journals += [store._clear_count._journal for store in account_db._account_stores.values()]
    assert [len(journal._journal_data) for journal in journals] == [1] * len(journals)  # not one per call frame
    stores = account_db._account_stores.values()
    assert max(len(store._storage_lookup._historical_write_tries) for store in stores) <= 1  # not one per deletion
    assert [len(store._locked_changes._journal._journal_data) for store in stores] == [1] * len(stores)
    assert token.balanceOf(bob) == 20
    assert chain.engine._state.get_storage(bytes.fromhex(KEYLESS[2:]), 3) == 7  # the live state's
    assert int.from_bytes(chain.w3.eth.get_storage_at(KEYLESS, 3), "big") == 7  # the sealed state's
