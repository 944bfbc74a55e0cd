"""The S4 contract sets with the constructor arguments a demo deployment uses."""

from __future__ import annotations

from s4chain.chain.base import Chain
from s4chain.chain.contract import Contract


def deploy_catalogue(chain: Chain) -> dict[str, Contract]:
    """Deploy one instance of every S4 contract on `chain`, the first dev account as admin."""
    admin = chain.accounts[0]
    return {"EuroStablecoin": chain.deploy("EuroStablecoin", admin, sender=admin)}
