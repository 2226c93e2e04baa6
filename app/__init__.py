"""安巡 AnXun field app."""
