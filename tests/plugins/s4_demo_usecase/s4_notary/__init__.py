"""UC8, a notary: the use case docs/architecture.md adds from outside s4chain. This one module and its contract
(contracts/Notary.sol) are all of it; the entry point in pyproject.toml registers `USE_CASE` with s4chain."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pydantic import BaseModel, ConfigDict

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.usecase import Contracts, Roles, UseCase


class NotaryParams(BaseModel):
    """What a notary is deployed with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = "documents"


class Entry(BaseModel):
    """A document in the notary: who notarised it and when (nobody, 0: not notarised)."""

    digest: str
    author: str
    at: int


class NotaryState(BaseModel):
    title: str
    count: int


def digest_of(document: str) -> bytes:
    """The hash a document is notarised under: keccak-256 of its text."""
    return keccak(text=document)


@dataclass(eq=False)
class NotaryDriver:
    """The deployed `Notary` and what its admin and authors do."""

    chain: Chain
    notary: Contract

    @classmethod
    def deploy(
        cls, chain: Chain, params: NotaryParams | None = None, admin: LocalAccount | None = None
    ) -> NotaryDriver:
        """Deploy a notary administered by `admin` (default: accounts[0])."""
        params = params or NotaryParams()
        admin = admin or chain.accounts[0]
        return cls(chain, chain.deploy("Notary", admin, params.title, sender=admin))

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: NotaryParams, roles: Roles) -> NotaryDriver:
        """The driver over a notary deployed before."""
        return cls(chain, contracts["Notary"])

    def contracts(self) -> dict[str, Contract]:
        return {"Notary": self.notary}

    def authorise(self, admin: LocalAccount, author: LocalAccount | str) -> TxResult:
        """Let `author` notarise documents."""
        return self.notary.grantRole(self.notary.NOTARY_ROLE(), author, sender=admin)

    def notarise(self, author: LocalAccount, document: str) -> TxResult:
        """Notarise `document` (its hash goes on chain, the text stays with its author)."""
        return self.notary.notarise(digest_of(document), sender=author)

    def entry(self, document: str) -> Entry:
        author, at = self.notary.entryOf(digest_of(document))
        return Entry(digest="0x" + digest_of(document).hex(), author=author, at=at)

    def state(self) -> NotaryState:
        return NotaryState(title=self.notary.title(), count=self.notary.count())


USE_CASE = UseCase(
    code="UC8",
    name="notary",
    driver=NotaryDriver,
    contracts=("Notary",),
    charts=("s4_notary.charts:documents_over_time",),
)
