"""Synthetic, England-shaped MCP data sets: every input table plus a matching contract.

``generate(out_dir, population, years, start_year, seed)`` writes Parquet files with the
columns of ``wholepop.inputs.schema`` and a ``contract.toml`` (form ``full``). Reference
figures are data in ``england`` (population) and ``services`` (rates and unit costs);
``practices``, ``people`` and ``activity`` draw the tables, vectorised with numpy;
``unregistered`` and ``measures`` draw the two small tables; ``dataset`` runs it all and
writes the files.
"""

from wholepop.synth.dataset import Progress, generate

__all__ = ["Progress", "generate"]
