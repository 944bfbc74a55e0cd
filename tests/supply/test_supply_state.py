"""The supply driver's off-chain state (the EPCIS events whose hashes alone are on chain) survives a new driver
over the same contract: what a replay journals and a resumed replay restores."""

from __future__ import annotations

import json

from s4chain.drivers.supply import SupplyChainDriver
from s4chain.scenarios.engine import OffChainState


def test_exported_events_restored_on_a_new_driver_verify_again(w) -> None:
    lot = w.commission()
    w.hand_over(lot, w.supplier, w.maker)
    exported = w.driver.export_state()
    assert len(exported) == 3 and w.driver.export_state(2) == exported[2:]
    assert isinstance(w.driver, OffChainState)

    fresh = SupplyChainDriver(w.chain, w.sc)  # as a resumed replay re-attaches it: nothing off chain
    assert not any(event.document_verified for event in fresh.provenance(lot).events)
    fresh.restore_state(json.loads(json.dumps(exported)))  # as the journal holds them
    verified = [event.document_verified for event in fresh.provenance(lot).events]
    assert len(verified) == 3 and all(verified)
    assert fresh.export_state() == exported
