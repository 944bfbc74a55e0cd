"""The UC6 test deployment: accounts, a driver with a 3 % fee, funded firms (shared by the work suites)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain
from s4chain.drivers.work import MissionDriver, WorkParams

DAY = 86_400
FEE_BPS = 300
ACCEPT_WINDOW = 7 * DAY
TIMEOUT = 3 * DAY
INACTIVITY = 60 * DAY


@dataclass
class WorkEnv:
    chain: Chain
    driver: MissionDriver
    admin: LocalAccount  # also the treasury
    firm: LocalAccount
    freelancer: LocalAccount
    other: LocalAccount  # a second freelancer
    arbiter: LocalAccount
    stranger: LocalAccount
    firm2: LocalAccount

    def post(
        self,
        amounts: tuple[str, ...] = ("1000", "2500", "1500"),
        named: LocalAccount | None = None,
        firm: LocalAccount | None = None,
        timeout: int = TIMEOUT,
    ) -> int:
        """Post a mission; returns its id."""
        res = self.driver.post_mission(
            firm or self.firm, "mission", [Decimal(a) for a in amounts], ACCEPT_WINDOW, timeout, named
        )
        return self.driver.mission_id(res)

    def active(self, amounts: tuple[str, ...] = ("1000", "2500", "1500"), timeout: int = TIMEOUT) -> int:
        """A mission accepted by `freelancer`."""
        mission_id = self.post(amounts, timeout=timeout)
        self.driver.escrow.acceptMission(mission_id, sender=self.freelancer)
        return mission_id

    def submitted(self, amounts: tuple[str, ...] = ("1000", "2500", "1500")) -> tuple[int, int]:
        """An accepted mission with milestone 0 submitted; returns (mission id, submission time)."""
        mission_id = self.active(amounts)
        res = self.driver.submit(self.freelancer, mission_id, 0, "deliverable")
        return mission_id, res.timestamp


def build_work_env(chain: Chain) -> WorkEnv:
    a = chain.accounts
    admin, firm, freelancer, other, arbiter, stranger, firm2 = a[0], a[1], a[2], a[3], a[4], a[5], a[6]
    driver = MissionDriver.deploy(chain, WorkParams(fee_bps=FEE_BPS), admin, arbiter=arbiter)
    for account in (firm, firm2):
        driver.fund(account, Decimal("100000"))
    return WorkEnv(chain, driver, admin, firm, freelancer, other, arbiter, stranger, firm2)


def net(gross: Decimal, fee_bps: int = FEE_BPS) -> tuple[Decimal, Decimal]:
    """(net to the freelancer, fee) of a gross release, with the contract's rounding (fee rounded down)."""
    units = int(gross * 10**6)
    fee = units * fee_bps // 10_000
    return Decimal(units - fee) / 10**6, Decimal(fee) / 10**6
