"""Reports, starting with the monthly CS report of an office or the whole organisation.

``document`` describes one report as plain frozen data (no database), which other code fills
from the ledger, the surveys, the rankings and the actions; ``pdf.render_pdf`` and
``xlsx.render_xlsx`` turn one ``MonthlyReport`` into file bytes (``charts`` draws the PDF's
pictures).
"""
