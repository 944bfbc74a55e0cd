"""UC6 driver: on-demand work for freelancers.

Deploys and operates `MissionEscrow`: a firm posts a mission of up to ten milestones paid in the euro stablecoin
and escrows the total; a freelancer (the named one, or the first comer) accepts; each milestone is paid on the
firm's approval, or released by anyone once the firm stays silent past the approval timeout after a submission;
either party may dispute a submitted milestone within the approval window, the freelancer a rejected one within
14 days; an arbiter splits it in basis points within 30 days, or anyone applies the default 50/50 split after.
A platform fee (bps, snapshotted per mission when posted) is taken from every amount released to the freelancer.
All payments are credited to pull balances and withdrawn by their owners.

Milestones are numbered from 0 on chain and in this driver (a three-milestone mission has milestones 0, 1, 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.arguments import address_of, as_hash
from s4chain.drivers.events import events_of
from s4chain.drivers.shared import MintsTestEuros, created_id, euro_stablecoin
from s4chain.drivers.units import eur, euros
from s4chain.drivers.usecase import Contracts, Roles, UseCase

EURO_DECIMALS = 6
ZERO_ADDRESS = "0x" + "00" * 20  # checksummed form is the same


class MissionStatus(IntEnum):
    """`MissionEscrow.MissionStatus`, in order."""

    NONE = 0
    OPEN = 1
    ACTIVE = 2
    CANCELLED = 3
    CLOSED = 4


class MilestoneStatus(IntEnum):
    """`MissionEscrow.MilestoneStatus`, in order."""

    PENDING = 0
    SUBMITTED = 1
    REJECTED = 2
    DISPUTED = 3
    PAID = 4
    REFUNDED = 5
    SPLIT = 6


class WorkParams(BaseModel):
    """Deployment parameters of the freelance-work use case."""

    model_config = ConfigDict(frozen=True)

    fee_bps: int = Field(default=300, ge=0, le=1000)  # platform fee on every release to the freelancer


class MissionState(BaseModel):
    """A mission's record; amounts in euros. Once closed, `paid + refunded == total`."""

    mission_id: int
    firm: str
    freelancer: str  # the named freelancer while open (zero address: anyone), then the one who accepted
    status: str
    milestone_count: int
    settled_count: int
    total: Decimal
    paid: Decimal  # released to the freelancer, platform fee included
    refunded: Decimal  # credited back to the firm
    fee_bps: int
    accept_by: int
    approval_timeout: int
    last_activity: int
    abandoned: bool


class MilestoneState(BaseModel):
    """One milestone of a mission."""

    mission_id: int
    milestone: int
    amount: Decimal
    status: str
    submitted_at: int
    releasable_at: int  # when anyone may release it if the firm stays silent (0 unless submitted)
    deadline: int  # end of the waiting party's window: submitted (firm), rejected (freelancer), disputed (arbiter)


class Holdings(BaseModel):
    """An account's euros: in its wallet and credited by the escrow (withdrawable)."""

    account: str
    wallet: Decimal
    credit: Decimal


class EscrowState(BaseModel):
    """The escrow's books: `held == locked + owed` (`balanced`)."""

    mission_count: int
    fee_bps: int
    held: Decimal  # stablecoin balance of the escrow
    locked: Decimal  # milestone amounts not yet paid or refunded
    owed: Decimal  # pull balances of every firm, freelancer and the treasury
    balanced: bool
    # What the missions came to, from the escrow's events (a sweep's default outcomes):
    freelancer_income: Decimal = Decimal(0)  # credited to freelancers, after the platform fee
    fees: Decimal = Decimal(0)  # the platform's fee on those payments
    refunded: Decimal = Decimal(0)  # credited back to firms (refunds and their share of splits)
    rejections: int = 0  # deliveries rejected
    disputes: int = 0  # disputes opened
    splits: int = 0  # disputes the arbiter split


@dataclass(eq=False)
class MissionDriver(MintsTestEuros):
    """The deployed escrow and the actions of firm, freelancer, arbiter and anyone."""

    # Actions that are one contract function under another name (or with other argument names).
    ACTIONS: ClassVar[dict[str, str]] = {
        "cancel": "MissionEscrow.cancelMission",
        "approve": "MissionEscrow.approveMilestone",
        "reclaim": "MissionEscrow.reclaimUnstarted",
        "accept": "MissionEscrow.acceptMission",
        "abandon": "MissionEscrow.abandonMission",
        "resolve": "MissionEscrow.resolveDispute",
    }

    chain: Chain
    escrow: Contract
    stablecoin: Contract
    admin: LocalAccount
    arbiter: LocalAccount
    params: WorkParams

    # --- deployment -------------------------------------------------------------------------------------------
    @classmethod
    def deploy(
        cls,
        chain: Chain,
        params: WorkParams | None = None,
        admin: LocalAccount | None = None,
        stablecoin: str | None = None,
        arbiter: LocalAccount | None = None,
    ) -> MissionDriver:
        """Deploy `MissionEscrow` (and a fresh EuroStablecoin unless the address of one is given).

        `admin` (default: accounts[0]) administers the escrow, receives the platform fee (treasury) and mints
        test euros (it must be the stablecoin's minter for `fund`); `arbiter` (default: the admin) is granted
        ARBITER_ROLE.
        """
        params = params or WorkParams()
        admin = admin or chain.accounts[0]
        arbiter = arbiter or admin
        coin = euro_stablecoin(chain, admin, stablecoin)
        escrow = chain.deploy("MissionEscrow", admin, coin, admin, params.fee_bps, sender=admin)
        escrow.grantRole(escrow.ARBITER_ROLE(), arbiter, sender=admin)
        return cls(chain, escrow, coin, admin, arbiter, params)

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        return {"EuroStablecoin": self.stablecoin, "MissionEscrow": self.escrow}

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: WorkParams, roles: Roles) -> MissionDriver:
        """The driver over a deployed escrow; the arbiter is the admin unless one was recorded."""
        admin = roles["admin"]
        arbiter = roles.get("arbiter", admin)
        return cls(chain, contracts["MissionEscrow"], contracts["EuroStablecoin"], admin, arbiter, params)

    mission_id = created_id("MissionPosted", "missionId")  # of a `post_mission` transaction

    # --- firm -------------------------------------------------------------------------------------------------
    def post_mission(
        self,
        firm: LocalAccount,
        description: str,
        milestones: list[Decimal],
        acceptance_window: int,
        approval_timeout: int,
        freelancer: LocalAccount | str | None = None,
    ) -> TxResult:
        """Approve the total and post a mission; the milestones' amounts in euros.

        It can be accepted until `acceptance_window` seconds after the block it lands in; the firm then has
        `approval_timeout` seconds after each submission to approve or reject it. `freelancer` names the only one
        who may accept (default: anyone). The description is stored as its keccak-256 hash (emitted only).
        """
        amounts = [eur(amount) for amount in milestones]
        named = ZERO_ADDRESS if freelancer is None else address_of(freelancer)
        with self.chain.one_block() as block:  # the mission lands at the step's time, not a block later
            self.stablecoin.approve(self.escrow, sum(amounts), sender=firm)
            accept_by = block.timestamp + acceptance_window
            return self.escrow.postMission(
                as_hash(description), amounts, accept_by, approval_timeout, named, sender=firm
            )

    def reject(self, firm: LocalAccount, mission_id: int, milestone: int, reason: str) -> TxResult:
        """Reject a submitted milestone within the approval timeout (the reason is sent as its hash); the
        freelancer then has 14 days to resubmit or dispute."""
        return self.escrow.rejectMilestone(mission_id, milestone, as_hash(reason), sender=firm)

    # --- freelancer -------------------------------------------------------------------------------------------
    def submit(self, freelancer: LocalAccount, mission_id: int, milestone: int, deliverable: str) -> TxResult:
        """Submit (or resubmit) a milestone's deliverable (sent as its hash); starts the approval timeout."""
        return self.escrow.submitMilestone(mission_id, milestone, as_hash(deliverable), sender=freelancer)

    # --- anyone / parties / arbiter ---------------------------------------------------------------------------
    def dispute(self, party: LocalAccount, mission_id: int, milestone: int, reason: str) -> TxResult:
        """Open a dispute: on a submitted milestone (firm or freelancer) within the approval window, on a rejected
        one (freelancer) within the 14-day response window."""
        return self.escrow.openDispute(mission_id, milestone, as_hash(reason), sender=party)

    # --- reads ------------------------------------------------------------------------------------------------
    def mission(self, mission_id: int) -> MissionState:
        """A mission's record."""
        record = self.escrow.missionOf(mission_id)
        if record.status == MissionStatus.NONE:
            raise ValueError(f"no mission {mission_id}")
        return MissionState(
            mission_id=mission_id,
            firm=to_checksum_address(record.firm),
            freelancer=to_checksum_address(record.freelancer),
            status=MissionStatus(record.status).name.lower(),
            milestone_count=record.milestoneCount,
            settled_count=record.settledCount,
            total=euros(record.total),
            paid=euros(record.paid),
            refunded=euros(record.refunded),
            fee_bps=record.feeBps,
            accept_by=record.acceptBy,
            approval_timeout=record.approvalTimeout,
            last_activity=record.lastActivity,
            abandoned=record.abandoned,
        )

    def milestone(self, mission_id: int, milestone: int) -> MilestoneState:
        """One milestone of a mission (0-based)."""
        stored = self.escrow.milestoneOf(mission_id, milestone)
        status = stored.status
        waiting = status in (MilestoneStatus.SUBMITTED, MilestoneStatus.REJECTED, MilestoneStatus.DISPUTED)
        return MilestoneState(
            mission_id=mission_id,
            milestone=milestone,
            amount=euros(stored.amount),
            status=MilestoneStatus(status).name.lower(),
            submitted_at=stored.submittedAt,
            releasable_at=stored.deadline if status == MilestoneStatus.SUBMITTED else 0,
            deadline=stored.deadline if waiting else 0,
        )

    def balance(self, account: LocalAccount | str) -> Decimal:
        """The account's stablecoin wallet balance, in euros."""
        return euros(self.stablecoin.balanceOf(address_of(account)))

    def credit(self, account: LocalAccount | str) -> Decimal:
        """The account's withdrawable credit in the escrow, in euros."""
        return euros(self.escrow.credits(address_of(account)))

    def holdings(self, account: str) -> Holdings:
        """Wallet and escrow credit of an address (a read step or check: `account: "@alice"`)."""
        address = address_of(account)
        return Holdings(account=address, wallet=self.balance(address), credit=self.credit(address))

    def state(self) -> EscrowState:
        """The escrow's books, recomputed from every mission and every account that ever took part."""
        count = int(self.escrow.missionCount())
        locked = 0
        parties = {address_of(self.escrow.treasury())}
        for mission_id in range(1, count + 1):
            record = self.escrow.missionOf(mission_id)
            parties.add(to_checksum_address(record.firm))
            if int(record.freelancer, 16):
                parties.add(to_checksum_address(record.freelancer))
            if record.status in (MissionStatus.CANCELLED, MissionStatus.CLOSED):
                continue
            for index in range(record.milestoneCount):
                milestone = self.escrow.milestoneOf(mission_id, index)
                if milestone.status < MilestoneStatus.PAID:
                    locked += milestone.amount
        income = fees = refunded = 0
        counts = {"MilestoneRejected": 0, "DisputeOpened": 0, "DisputeResolved": 0}
        for event in events_of(self.chain, self.escrow):
            if event.name == "TreasuryChanged":
                parties.add(address_of(event.args["treasury"]))
            elif event.name == "Paid":
                income += event.args["net"]
                fees += event.args["fee"]
            elif event.name == "MissionCancelled":
                refunded += event.args["refund"]
            elif event.name == "MilestoneRefunded":
                refunded += event.args["amount"]
            elif event.name == "DisputeResolved":
                refunded += event.args["toFirm"]
            if event.name in counts:
                counts[event.name] += 1
        owed = sum(int(self.escrow.credits(p)) for p in parties)
        held = int(self.stablecoin.balanceOf(self.escrow))
        return EscrowState(
            mission_count=count,
            fee_bps=int(self.escrow.feeBps()),
            held=euros(held),
            locked=euros(locked),
            owed=euros(owed),
            balanced=held == locked + owed,
            freelancer_income=euros(income),
            fees=euros(fees),
            refunded=euros(refunded),
            rejections=counts["MilestoneRejected"],
            disputes=counts["DisputeOpened"],
            splits=counts["DisputeResolved"],
        )


USE_CASE = UseCase(
    code="UC6",
    name="work",
    driver=MissionDriver,
    contracts=("MissionEscrow", "EuroStablecoin"),
    roles=("admin", "arbiter"),
    attach_roles=("admin",),
    charts=("s4chain.reports.charts:mission_payments",),
    amounts=dict.fromkeys(
        ("total", "paid", "refunded", "net", "fee", "toFreelancer", "toFirm", "amount"), "EuroStablecoin"
    ),
    state_units=dict.fromkeys(("held", "locked", "owed", "freelancer_income", "fees", "refunded"), "EuroStablecoin"),
    outcomes=(
        ("income", "state.freelancer_income"),
        ("platform_fees", "state.fees"),
        ("refunded", "state.refunded"),
        ("rejections", "state.rejections"),
        ("disputes", "state.disputes"),
    ),
)
