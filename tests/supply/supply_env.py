"""The UC4 (supply chain) suite's deployment: one SupplyChain and its cast of parties (a uniquely named module:
every suite has a conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract
from s4chain.drivers.supply import SupplyChainDriver, SupplyParams


@dataclass
class SupplyEnv:
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


def build_supply_env(chain: Chain) -> SupplyEnv:
    a = chain.accounts
    driver = SupplyChainDriver.deploy(chain, SupplyParams(), admin=a[0])
    world = SupplyEnv(chain, driver, *a[:10])
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
