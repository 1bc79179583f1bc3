"""Reports people read: one self-contained HTML file and a statement workbook.

Both are drawn from one frozen :class:`ReportData` (filled by ``gather`` from the stages
and the ledger); every count of people or events passes :mod:`.disclosure` first.
"""

from wholepop.report.data import ReportData
from wholepop.report.disclosure import Disclosure, disclose, disclose_total
from wholepop.report.excel import write_excel
from wholepop.report.html import write_html

__all__ = ["Disclosure", "ReportData", "disclose", "disclose_total", "write_excel", "write_html"]
