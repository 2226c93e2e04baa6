"""Plain-Python domain: hazard rules, skip logic, hazard lifecycle, 红黄蓝 rating.

Imports no Flet, no HTTP and no SQL.
"""
