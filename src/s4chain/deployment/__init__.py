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
    RecordsFileError,
    SetRecord,
    StaleRecordsError,
    load_records,
    records_path,
    save_records,
)
from s4chain.deployment.sets import SETS, ContractSet, UnknownSetError, select_sets

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
    "RecordsFileError",
    "RecordsWriteError",
    "SetOutcome",
    "SetRecord",
    "StaleRecordsError",
    "UnknownSetError",
    "attach_driver",
    "attach_drivers",
    "load_deployer_key",
    "load_params",
    "load_records",
    "open_records",
    "records_path",
    "save_records",
    "select_sets",
]
