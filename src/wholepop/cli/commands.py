"""Imports each command module so its commands register on the app."""

import importlib

# One module per area; a module that is not there yet is simply not registered.
_MODULES = ("init", "check", "synth", "population", "settle", "ledger", "report", "mssp", "nhs", "project", "build", "serve", "template")

for _name in _MODULES:
    try:
        importlib.import_module(f"wholepop.cli.{_name}")
    except ModuleNotFoundError as e:
        if e.name != f"wholepop.cli.{_name}":
            raise
