"""The contract: one TOML file, read once into a frozen, validated ``Contract``."""

from wholepop.contract.calendar import financial_year, year_end, year_start
from wholepop.contract.load import load_contract, parse_contract
from wholepop.contract.model import Contract

__all__ = ["Contract", "financial_year", "load_contract", "parse_contract", "year_end", "year_start"]
