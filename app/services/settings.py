"""The inspector's app settings, persisted in the device database on every change.

The central endpoint's address and the sign-in are ``device.sync``'s (``sync_status.py``): a
password is never kept here (migration 7 removed the one older versions kept).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.domain.errors import InvalidAnswer
from app.store.settings import get_setting, put_setting

from .base import Service

SETTINGS_KEY = "app_settings"


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    inspector_name: str = ""
    inspector_id: str = ""
    photo_quality: int = Field(80, ge=30, le=95)
    photo_max_edge_px: int = Field(1920, ge=640, le=4096)
    watermark: bool = True
    text_scale: float = Field(1.0, ge=0.8, le=1.6)


#: How a refused setting is named to the inspector.
_LABELS = {
    "inspector_name": "检查员姓名", "inspector_id": "检查员编号", "photo_quality": "照片质量",
    "photo_max_edge_px": "照片尺寸",
    "watermark": "水印", "text_scale": "字号",
}


class Settings(Service):
    """``device.settings``: read and change the app settings."""

    def current(self) -> AppSettings:
        return AppSettings.model_validate(get_setting(self._device.store, SETTINGS_KEY, {}))

    def update(self, *, inspector_name: str | None = None, inspector_id: str | None = None,
               photo_quality: int | None = None, photo_max_edge_px: int | None = None,
               watermark: bool | None = None, text_scale: float | None = None) -> AppSettings:
        """Persist the given settings at once (``None`` leaves one as it is).

        :raises InvalidAnswer: a value out of range, e.g. ``photo_quality=10``.
        """
        given = {"inspector_name": inspector_name, "inspector_id": inspector_id, "photo_quality": photo_quality,
                 "photo_max_edge_px": photo_max_edge_px, "watermark": watermark, "text_scale": text_scale}
        merged = {**self.current().model_dump(), **{k: v for k, v in given.items() if v is not None}}
        try:
            settings = AppSettings.model_validate(merged)
        except ValidationError as exc:
            names = [str(e["loc"][0]) for e in exc.errors()]
            raise InvalidAnswer(f"settings.{','.join(names)}",
                                f"设置值无效：{'、'.join(_LABELS.get(n, n) for n in names)}") from exc
        put_setting(self._device.store, SETTINGS_KEY, settings.model_dump())
        return settings
