"""The inspector's app settings, persisted in the device database on every change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    inspector_name: str = ""
    inspector_id: str = ""
    endpoint_url: str = ""
    username: str = ""
    password: str = Field("", repr=False)
    photo_quality: int = Field(80, ge=30, le=95)
    photo_max_edge_px: int = Field(1920, ge=640, le=4096)
    watermark: bool = True
    text_scale: float = Field(1.0, ge=0.8, le=1.6)
