"""wholepop: run an accountable-care contract from registered lists to a settled year.

Stages, in the order data flows (each package exposes one or two public functions):
``contract`` -> ``inputs`` -> ``population`` -> ``segments`` -> ``costing`` -> ``money``
-> ``ledger`` -> ``projection`` / ``report``. ``synth`` makes inputs; ``cli`` wires it up.
"""

__version__ = "0.2.0"
