"""`s4chain deploy --only` knows every S4 set (the issue saw only ico, leasing and supply), and not the generic
driver's, which has no set until a project file declares one (tests/scenarios/test_generic_contract.py)."""

from __future__ import annotations

from deploy_support import DeployCli


def test_only_takes_the_three_sets_the_issue_saw_refused(deploy_cli: DeployCli) -> None:
    result = deploy_cli("--only", "tokens", "--only", "data", "--only", "work", records=False)
    assert result.exit_code == 0, result.output
    deployed = {line.split()[0] for line in result.output.splitlines() if line.endswith("deployed")}
    assert deployed == {"tokens", "data", "work"}


def test_the_generic_driver_is_no_set_by_itself(deploy_cli: DeployCli) -> None:
    result = deploy_cli("--only", "contract", records=False)
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "unknown contract set(s) contract (known: ico (UC1), tokens (UC2)" in message
    assert "work (UC6))" in message
