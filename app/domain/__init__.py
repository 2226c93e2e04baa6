"""Plain-Python domain: the words of the trade (``vocab``), the inspector's clock (``clock``), the
error tree (``errors``), record models (``models``), answer and hazard rules with skip logic
(``rules``), the hazard lifecycle (``lifecycle``), 红黄蓝 rating (``rating``) and completion.

Imports no Flet, no HTTP and no SQL; of ``checklists``, only the schema. The server imports it
too, so the office applies the same lifecycle as the device.
"""
