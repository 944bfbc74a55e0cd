"""Deploy the S4 contract sets with the Python API: what `s4chain deploy --rpc URL` does, as a user's script.

    .venv/bin/s4chain node &                                   # anvil on http://127.0.0.1:8545
    .venv/bin/python scripts/deploy.py                         # every set, records in deployments/31337.json
    .venv/bin/python scripts/deploy.py --rpc URL --only supply

Run it again: what is on chain and unchanged is reused. On a chain that is not a local dev chain, the deployer
key comes from S4CHAIN_PRIVATE_KEY and the script prints what it would send, sending it only with --yes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s4chain.compiler import compile_project
from s4chain.deployment import (
    SETS,
    DeployChain,
    Deployer,
    load_deployer_key,
    load_records,
    open_records,
    records_path,
)
from s4chain.deployment.plan import plan_deploy
from s4chain.project import Project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rpc", default="http://127.0.0.1:8545", help="JSON-RPC URL of the node")
    parser.add_argument("--only", action="append", choices=list(SETS), help="deploy only this set (repeatable)")
    parser.add_argument("--records-dir", type=Path, help="where <chainId>.json lives (default: deployments/)")
    parser.add_argument("--yes", action="store_true", help="send to a chain that is not a local dev chain")
    args = parser.parse_args()

    project = Project.discover()
    store = compile_project(project).store
    key = load_deployer_key(None)  # S4CHAIN_PRIVATE_KEY, or None: the dev accounts (local dev chains only)
    chain = DeployChain(args.rpc, store, key)
    path = records_path(chain.chain_id, args.records_dir or project.root / "deployments")
    records = open_records(chain, path, log=print)
    sets = [SETS[name] for name in SETS if not args.only or name in args.only]

    if not chain.is_dev_chain:
        plan = plan_deploy(chain, records, sets, {})
        print("\n".join(plan.lines()))
        if plan.transactions and not args.yes:
            print("nothing sent: run again with --yes to send it", file=sys.stderr)
            return 2

    result = Deployer(chain, records, path, log=print).deploy(sets)
    print(f"{result.deployed_count} contract(s) deployed; records in {path}")

    # Later, or in another program: attach to what the records describe.
    contracts = load_records(path).attach(chain)
    for set_name, by_key in contracts.items():
        for key_name, contract in by_key.items():
            print(f"{set_name:<8} {key_name:<18} {contract.address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
