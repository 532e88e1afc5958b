"""The event contracts in schemas/ and everything derived from them.

schemas/*.json (JSON Schema 2020-12) are the single source of truth. This package loads them, validates
records against them, and derives the BigQuery table schemas (and through those, the DuckDB tables and
Arrow schemas) so that no layer restates a column by hand.
"""

from streamqoe.contracts.registry import (
    Contract,
    ContractViolation,
    contract,
    contract_names,
    contracts,
    validate,
)

__all__ = [
    "Contract",
    "ContractViolation",
    "contract",
    "contract_names",
    "contracts",
    "validate",
]
