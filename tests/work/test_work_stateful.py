"""Hypothesis state machine over missions: post, accept, cancel, submit, approve, reject, release after the
timeout, dispute, resolve, abandon, reclaim, withdraw and the passing of time, by the right party or anyone.

A model follows the escrow from the events of every successful transaction. After every step: the escrow's token
balance is exactly the unsettled milestone amounts plus the pull balances; every milestone is settled (approved,
released, refunded or split) at most once and never changes afterwards; the on-chain statuses, settled counts and
credits match the model; a closed or cancelled mission has paid + refunded == total; a revert changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from work_env import ACCEPT_WINDOW, FEE_BPS, INACTIVITY, TIMEOUT, Env, build_env

from s4chain.chain import Chain, ContractRevert, TxResult
from s4chain.drivers.units import eur
from s4chain.drivers.work import MilestoneStatus
from s4chain.testing import isolation

TERMINAL = ("paid", "refunded", "split")
ACTIONS = ("accept", "cancel", "submit", "approve", "reject", "release", "dispute", "resolve", "abandon", "reclaim")
STATUS_OF_EVENT = {
    "MilestoneSubmitted": "submitted",
    "MilestoneRejected": "rejected",
    "DisputeOpened": "disputed",
    "MilestoneApproved": "paid",
    "MilestoneReleased": "paid",
    "MilestoneRefunded": "refunded",
    "DisputeResolved": "split",
}


@dataclass
class Model:
    amounts: list[int]
    statuses: list[str]
    status: str = "open"
    paid: int = 0
    refunded: int = 0
    settlements: Counter[int] = field(default_factory=Counter)


class WorkMachine(RuleBasedStateMachine):
    env: Env
    seen: Counter[str] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.chain: Chain = self.env.chain
        self.d = self.env.driver
        self.snapshot = self.chain.snapshot()
        self.models: dict[int, Model] = {}
        e = self.env
        self.parties = {a.address: a for a in (e.firm, e.freelancer, e.other, e.arbiter, e.stranger, e.admin)}
        self.owed: Counter[str] = Counter({a: int(self.d.escrow.credits(a)) for a in self.parties})
        self.base = int(self.d.stablecoin.balanceOf(self.d.escrow)) - sum(self.owed.values())

    def teardown(self) -> None:
        self.chain.revert(self.snapshot)

    def held(self) -> int:
        return int(self.d.stablecoin.balanceOf(self.d.escrow))

    def apply(self, result: TxResult, action: str, bps: int = 0) -> None:
        """Follow a successful transaction's events in the model."""
        WorkMachine.seen[action] += 1
        for event in result.events:
            args = event.args
            if "missionId" not in args and event.name != "CreditWithdrawn":
                continue
            m = self.models.get(int(args.get("missionId", 0)))
            if event.name in STATUS_OF_EVENT and m is not None:
                index = int(args["milestone"])
                assert m.statuses[index] not in TERMINAL, f"milestone {index} settled twice"
                m.statuses[index] = STATUS_OF_EVENT[event.name]
                if m.statuses[index] in TERMINAL:
                    m.settlements[index] += 1
            if event.name == "MissionAccepted" and m is not None:
                m.status = "active"
            elif event.name == "MissionCancelled" and m is not None:
                m.status, m.refunded = "cancelled", sum(m.amounts)
                self.owed[self.env.firm.address] += sum(m.amounts)
            elif event.name == "MissionClosed" and m is not None:
                m.status = "closed"
            elif event.name == "MilestoneRefunded" and m is not None:
                m.refunded += int(args["amount"])
                self.owed[self.env.firm.address] += int(args["amount"])
            elif event.name == "DisputeResolved" and m is not None:
                amount = m.amounts[int(args["milestone"])]
                assert args["toFreelancer"] == amount * bps // 10_000
                assert args["toFreelancer"] + args["toFirm"] == amount
                m.refunded += int(args["toFirm"])
                self.owed[self.env.firm.address] += int(args["toFirm"])
            elif event.name == "Paid" and m is not None:
                gross = int(args["net"]) + int(args["fee"])
                assert args["fee"] == gross * FEE_BPS // 10_000
                m.paid += gross
                self.owed[args["freelancer"]] += int(args["net"])  # any of the parties may have accepted
                self.owed[self.env.admin.address] += int(args["fee"])
            elif event.name == "CreditWithdrawn":
                assert args["amount"] == self.owed[args["account"]]
                self.owed[args["account"]] = 0

    def check_mission(self, mission_id: int) -> None:
        m = self.models[mission_id]
        state = self.d.mission(mission_id)
        assert (state.status, eur(state.paid), eur(state.refunded)) == (m.status, m.paid, m.refunded)
        statuses = [self.d.milestone(mission_id, i).status for i in range(len(m.amounts))]
        if m.status == "cancelled":
            assert statuses == ["pending"] * len(m.amounts)
        else:
            assert statuses == m.statuses
            assert state.settled_count == sum(s in TERMINAL for s in statuses)
        assert all(count == 1 for count in m.settlements.values())
        if m.status in ("closed", "cancelled"):
            assert m.paid + m.refunded == sum(m.amounts)
        else:
            assert m.paid + m.refunded < sum(m.amounts)

    # --- rules
    @precondition(lambda self: len(self.models) < 3)
    @rule(
        amounts=st.lists(st.sampled_from(["0.000001", "1", "333.333333", "1000", "2500"]), min_size=1, max_size=4),
        named=st.booleans(),
    )
    def post(self, amounts: list[str], named: bool) -> None:
        res = self.d.post_mission(
            self.env.firm, "mission", [eur(a) / 10**6 for a in amounts],  # type: ignore[misc]
            ACCEPT_WINDOW, TIMEOUT, self.env.freelancer if named else None,
        )  # fmt: skip
        self.models[self.d.mission_id(res)] = Model([eur(a) for a in amounts], ["pending"] * len(amounts))
        self.apply(res, "post")

    @precondition(lambda self: self.models)
    @rule(
        data=st.data(),
        action=st.sampled_from(ACTIONS),
        right_party=st.integers(min_value=0, max_value=5),
        bps=st.sampled_from([0, 1, 3333, 5000, 9999, 10_000]),
    )
    def act(self, data: st.DataObject, action: str, right_party: int, bps: int) -> None:
        """An action on a mission, by the party it needs (mostly) or by someone else."""
        e, d = self.env, self.d
        mission_id = data.draw(st.sampled_from(sorted(self.models)))
        index = data.draw(st.integers(min_value=0, max_value=len(self.models[mission_id].amounts)))
        firm_acts = action in ("cancel", "approve", "reject", "reclaim", "dispute")
        party = {"resolve": e.arbiter, "release": e.stranger}.get(action, e.firm if firm_acts else e.freelancer)
        if action == "dispute" and right_party % 2:
            party = e.freelancer
        if right_party == 0:
            party = data.draw(st.sampled_from([e.firm, e.freelancer, e.other, e.arbiter, e.stranger]))
        calls = {
            "accept": lambda: d.accept(party, mission_id),
            "cancel": lambda: d.cancel(party, mission_id),
            "submit": lambda: d.submit(party, mission_id, index, "work"),
            "approve": lambda: d.approve(party, mission_id, index),
            "reject": lambda: d.reject(party, mission_id, index, "no"),
            "release": lambda: d.release_after_timeout(party, mission_id, index),
            "dispute": lambda: d.dispute(party, mission_id, index, "disagree"),
            "resolve": lambda: d.resolve(party, mission_id, index, bps),
            "abandon": lambda: d.abandon(party, mission_id),
            "reclaim": lambda: d.reclaim(party, mission_id),
        }
        held = self.held()
        try:
            res = calls[action]()
        except ContractRevert:
            WorkMachine.seen["revert"] += 1
            assert self.held() == held
            self.check_mission(mission_id)  # a reverted action changes nothing
            return
        self.apply(res, action, bps)
        self.check_mission(mission_id)

    @precondition(lambda self: any(m.status in ("open", "active") for m in self.models.values()))
    @rule(data=st.data(), choice=st.integers(min_value=0, max_value=4), bps=st.sampled_from([0, 3333, 10_000]))
    def progress(self, data: st.DataObject, choice: int, bps: int) -> None:
        """The next sensible step of a running mission: accept, submit, then approve, reject, release after the
        timeout or dispute, and resolve."""
        e, d = self.env, self.d
        running = sorted(i for i, m in self.models.items() if m.status in ("open", "active"))
        mission_id = data.draw(st.sampled_from(running))
        m = self.models[mission_id]
        mission = d.mission(mission_id)
        now = self.chain.timestamp
        if m.status == "open":
            if now + 1 > mission.accept_by:
                self.apply(d.cancel(e.firm, mission_id), "cancel")
            else:
                self.apply(d.accept(e.freelancer, mission_id), "accept")
            self.check_mission(mission_id)
            return
        worker = self.parties[mission.freelancer]
        index = data.draw(st.sampled_from([i for i, s in enumerate(m.statuses) if s not in TERMINAL]))
        status = m.statuses[index]
        releasable_at = d.milestone(mission_id, index).releasable_at
        if status in ("pending", "rejected") and mission.abandoned:
            res, action = d.reclaim(e.firm, mission_id), "reclaim"
        elif status in ("pending", "rejected"):
            res, action = d.submit(worker, mission_id, index, "work"), "submit"
        elif status == "disputed":
            res, action = d.resolve(e.arbiter, mission_id, index, bps), "resolve"
        elif choice == 0:
            res, action = d.approve(e.firm, mission_id, index), "approve"
        elif choice == 1 and now + 1 < releasable_at:
            res, action = d.reject(e.firm, mission_id, index, "no"), "reject"
        elif choice == 2:
            if releasable_at > now + 1:
                self.chain.travel_to(releasable_at - 1)
            res, action = d.release_after_timeout(e.stranger, mission_id, index), "release"
        else:
            party = e.firm if choice == 3 else worker
            res, action = d.dispute(party, mission_id, index, "disagree"), "dispute"
        self.apply(res, action, bps)
        self.check_mission(mission_id)

    @precondition(lambda self: any(m.status in ("open", "active") for m in self.models.values()))
    @rule(data=st.data(), choice=st.integers(min_value=0, max_value=4), bps=st.sampled_from([1, 5000, 9999]))
    def progress_again(self, data: st.DataObject, choice: int, bps: int) -> None:
        """As `progress` (twice as likely as the other rules: missions get somewhere)."""
        self.progress(data, choice, bps)

    @rule(seconds=st.sampled_from([1, TIMEOUT - 1, TIMEOUT, 2 * TIMEOUT, ACCEPT_WINDOW + 1, INACTIVITY]))
    def wait(self, seconds: int) -> None:
        self.chain.travel_to(self.chain.timestamp + seconds)

    @rule(who=st.sampled_from(["firm", "freelancer", "admin", "stranger"]))
    def withdraw(self, who: str) -> None:
        account = getattr(self.env, who)
        wallet = self.d.balance(account)
        try:
            res = self.d.withdraw(account)
        except ContractRevert as exc:
            assert self.owed[account.address] == 0 and exc.error_name == "NothingToWithdraw"
            return
        credit = self.owed[account.address]
        self.apply(res, "withdraw")
        assert eur(self.d.balance(account) - wallet) == credit and self.d.credit(account) == 0

    # --- invariants
    @invariant()
    def escrow_holds_unsettled_plus_credits(self) -> None:
        locked = sum(
            amount
            for m in self.models.values()
            if m.status != "cancelled"
            for amount, status in zip(m.amounts, m.statuses, strict=True)
            if status not in TERMINAL
        )
        assert self.held() == self.base + locked + sum(self.owed.values())


@pytest.mark.slow
def test_work_state_machine(s4_chain: Chain) -> None:
    WorkMachine.seen = Counter()
    with isolation(s4_chain):
        WorkMachine.env = build_env(s4_chain)
        run_state_machine_as_test(
            WorkMachine,
            settings=settings(
                max_examples=25,
                stateful_step_count=40,
                deadline=None,
                derandomize=True,  # the same runs in CI, the coverage check below cannot flake
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
        state = WorkMachine.env.driver.state()  # the module's deployment is back to its start
        assert state.balanced and state.mission_count == 0
    seen = WorkMachine.seen
    for action in ("post", "accept", "submit", "approve", "reject", "release", "dispute", "resolve", "withdraw"):
        assert seen[action] > 0, f"the runs never got to {action}: {dict(seen)}"
    assert MilestoneStatus.SPLIT == 6
