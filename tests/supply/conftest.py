"""Fixtures of the UC4 (supply chain) suite: one SupplyChain deployed per module with its cast of parties,
every test isolated by the `chain` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract
from s4chain.drivers.supply import SupplyChainDriver, SupplyParams
from s4chain.testing import isolation

D = Decimal


@dataclass
class Supply:
    """The deployed contract and its cast."""

    chain: Chain
    driver: SupplyChainDriver
    admin: LocalAccount
    supplier: LocalAccount
    maker: LocalAccount  # manufacturer
    carrier: LocalAccount
    warehouse: LocalAccount
    retailer: LocalAccount
    auditor: LocalAccount
    sensor: LocalAccount
    outsider: LocalAccount  # no role
    maker2: LocalAccount  # a second manufacturer

    @property
    def sc(self) -> Contract:
        return self.driver.contract

    def commission(self, actor: LocalAccount | None = None, **spec: Any) -> int:
        """Commission a lot (defaults: 1,000 kg of cocoa, no temperature range) and return its id."""
        fields: dict[str, Any] = {"product": "09506000134352", "quantity": 1000, "mass_kg": 1000, "origin": "ORIGIN"}
        fields.update(spec)
        result = self.driver.commission(actor or self.supplier, **fields)
        return self.driver.created_lots(result)[0]

    def hand_over(self, lot_id: int, sender: LocalAccount, receiver: LocalAccount, po: str = "PO-1") -> None:
        """Ship and confirm."""
        self.driver.ship(sender, lot_id=lot_id, receiver=receiver, po=po)
        self.driver.receive(receiver, lot_id=lot_id)

    def transform(self, inputs: list[int], masses: list[int], actor: LocalAccount | None = None) -> list[int]:
        """Transform `inputs` (held by the manufacturer) into outputs of these masses; returns their ids."""
        outputs = [{"product": f"OUT{i}", "quantity": m, "mass_kg": m} for i, m in enumerate(masses)]
        result = self.driver.transform(actor or self.maker, inputs=inputs, outputs=outputs)
        return self.driver.created_lots(result)


def build_supply(chain: Chain) -> Supply:
    a = chain.accounts
    driver = SupplyChainDriver.deploy(chain, SupplyParams(), admin=a[0])
    world = Supply(chain, driver, *a[:10])
    for account, role in [
        (world.supplier, "supplier"),
        (world.maker, "manufacturer"),
        (world.carrier, "carrier"),
        (world.warehouse, "warehouse"),
        (world.retailer, "retailer"),
        (world.auditor, "auditor"),
        (world.sensor, "sensor"),
        (world.maker2, "manufacturer"),
    ]:
        driver.grant_party(world.admin, party=account, role=role)  # type: ignore[arg-type]
    return world


@pytest.fixture(scope="module")
def supply_module(s4_chain: Chain) -> Iterator[Supply]:
    with isolation(s4_chain):
        yield build_supply(s4_chain)


@pytest.fixture
def w(chain: Chain, supply_module: Supply) -> Supply:
    """The supply world, with everything the test does reverted after it."""
    return supply_module
