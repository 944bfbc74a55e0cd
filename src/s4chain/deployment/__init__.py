"""Deploying the S4 contract sets to a node, with records per chain (`deployments/<chainId>.json`).

from s4chain.deployment import DeployChain, Deployer, SETS, open_records, records_path
chain = DeployChain("http://127.0.0.1:8545", store)          # dev chain: the dev accounts
path = records_path(chain.chain_id)
result = Deployer(chain, open_records(chain, path), path, log=print).deploy(list(SETS.values()))

from s4chain.deployment import load_records
contracts = load_records(path).attach(chain)                 # {"ico": {"TokenSale": Contract, ...}, ...}
"""

from s4chain.deployment.attach import attach_driver, attach_drivers
from s4chain.deployment.deployer import (
    ContractOutcome,
    Deployer,
    DeployFailedError,
    DeployResult,
    NodeStoppedError,
    RecordsWriteError,
    SetOutcome,
    open_records,
)
from s4chain.deployment.keys import DeployerKeyError, load_deployer_key
from s4chain.deployment.node import DeployChain, InsufficientFundsError
from s4chain.deployment.params import ParamsFileError, ParamsOptionError, load_params
from s4chain.deployment.records import (
    ContractRecord,
    DeploymentRecords,
    PendingDeployment,
    RecordsFileError,
    SetRecord,
    StaleRecordsError,
    load_records,
    records_path,
    save_records,
)
from s4chain.deployment.sets import ContractSet, UnknownSetError, contract_sets, select_sets


def __getattr__(name: str) -> dict[str, ContractSet]:
    # `SETS`: every registered use case's set, read when asked for (s4chain.deployment.sets)
    if name == "SETS":
        return contract_sets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SETS",
    "ContractOutcome",
    "ContractRecord",
    "ContractSet",
    "DeployChain",
    "DeployFailedError",
    "DeployResult",
    "Deployer",
    "DeployerKeyError",
    "DeploymentRecords",
    "InsufficientFundsError",
    "NodeStoppedError",
    "ParamsFileError",
    "ParamsOptionError",
    "PendingDeployment",
    "RecordsFileError",
    "RecordsWriteError",
    "SetOutcome",
    "SetRecord",
    "StaleRecordsError",
    "UnknownSetError",
    "attach_driver",
    "attach_drivers",
    "contract_sets",
    "load_deployer_key",
    "load_params",
    "load_records",
    "open_records",
    "records_path",
    "save_records",
    "select_sets",
]
