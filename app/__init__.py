"""安巡 AnXun field app: ``domain`` ← ``store``/``photos`` ← ``services`` ← ``ui`` (see README)."""
