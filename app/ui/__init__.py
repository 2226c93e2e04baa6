"""Flet screens of 安巡. Views are thin: they render service state and call `app.services`."""
