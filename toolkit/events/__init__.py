"""The connector's event logs: readers for .evtx, event XML, Event Viewer CSV and the live ``events`` probe,
one normalised record type, and the triage that turns records into the code table's terms.

Modules: ``record`` (EventRecord, codes and details), ``evtx_file``, ``xml_file``, ``csv_file``, ``live``
(readers), ``sources`` (which reader a file needs), ``summary`` (tallies and the failure/recovery timeline),
``operations`` (the codes behind a failed operation), ``triage`` (files → summary → what to check next),
``render`` (table, JSON, Markdown).
"""
