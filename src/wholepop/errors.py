"""User errors: shown without a traceback, one exit code each (only the CLI catches them).

A traceback always means a bug in wholepop; anything a user can cause is one of these.
"""

from __future__ import annotations

__all__ = ["ContractError", "InputError", "LedgerBusy", "LedgerError", "UserError", "EXIT_CODES", "SYSTEM_EXIT_CODE"]


class UserError(Exception):
    """Base class of errors caused by what the user gave us."""


class InputError(UserError):
    """The input data has errors; ``problems`` lists every one."""

    def __init__(self, problems: tuple, message: str | None = None):
        self.problems = tuple(problems)
        super().__init__(message or "\n".join(str(p) for p in self.problems))


class ContractError(UserError):
    """The contract (or scenario) file is invalid; each line names a key path."""


class LedgerError(UserError):
    """The ledger refuses: a settled year with different inputs, a tampered store, ..."""


class LedgerBusy(LedgerError):
    """Another process holds the ledger; retry."""


# One table, as ehrQL keeps it: the CLI maps each class to its exit code.
EXIT_CODES: tuple[tuple[type[UserError], int], ...] = (
    (InputError, 1),
    (ContractError, 2),
    (LedgerBusy, 4),
    (LedgerError, 3),
    (UserError, 2),
)

# The system refused a file (permission denied, disk full, ...): not a wholepop bug and
# not the user's data; the CLI prints the one line the system gave, no traceback.
SYSTEM_EXIT_CODE = 5
