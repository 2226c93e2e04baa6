"""Choose a checklist for a site: only those whose scope fits the site's kind are offered; with
one that fits there is nothing to choose, and the inspection starts (or resumes) at once."""

from __future__ import annotations

import flet as ft

from app.services import AnXunError

from . import strings as S
from . import theme as T
from . import widgets as W
from .errors import message_for
from .shell import AppUI


async def open_site(ui: AppUI, site_id: str) -> None:
    """Go on from a picked site: straight into its inspection when one checklist fits, else to the
    choice. A refusal is shown on the choice screen.

    :param site_id: e.g. the id of 荷花池街道 12 号群租房.
    """
    site = await ui.call(ui.device.sites.get, site_id)
    lists = await ui.call(ui.device.inspections.checklists_for, site.kind)
    if len(lists) == 1:
        await start_on(ui, site.id, lists[0].id)
        return
    await ui.go(f"/site/{site_id}")


async def start_on(ui: AppUI, site_id: str, checklist_id: str) -> None:
    """Start (or resume) the inspection of a site on a checklist and open it; a refusal shows on
    the choice screen."""
    try:
        inspection = await ui.call(ui.device.inspections.start, site_id, checklist_id)
    except AnXunError:
        await ui.go(f"/site/{site_id}")  # says why there
        return
    await ui.go(f"/run/{inspection.id}")


async def build(ui: AppUI, site_id: str) -> ft.View:
    device = ui.device
    site = await ui.call(device.sites.get, site_id)
    lists = await ui.call(device.inspections.checklists_for, site.kind)
    err = W.error_text()

    def start(checklist_id: str):
        async def handler(_e: ft.Event) -> None:
            try:
                inspection = await ui.call(device.inspections.start, site.id, checklist_id)
            except AnXunError as exc:
                err.value, err.visible = message_for(exc), True
                return
            await ui.go(f"/run/{inspection.id}")

        return handler

    cards: list[ft.Control] = []
    for c in lists:
        cards.append(W.card(ft.Column([
            ft.Text(c.title, size=19, weight=ft.FontWeight.W_700, color=T.TEXT),
            ft.Text(S.CHECKLIST_SIZE.format(n=len(c.items), version=c.version), size=14, color=T.MUTED),
            ft.Text(c.description, size=14, color=T.MUTED, max_lines=3,
                    overflow=ft.TextOverflow.ELLIPSIS) if c.description else ft.Container(),
            W.button(S.START_CHECKLIST.format(title=c.title), start(c.id), icon=ft.Icons.PLAY_ARROW),
        ], spacing=6)))
    if not cards:
        cards.append(W.banner(S.NO_CHECKLIST_FOR_KIND.format(kind=site.kind)))
    header = W.card(ft.Column([
        ft.Text(site.name, size=20, weight=ft.FontWeight.W_700, color=T.TEXT),
        ft.Text(" · ".join(x for x in (site.kind, site.grid) if x), size=15, color=T.PRIMARY),
        ft.Text(site.address or "", size=14, color=T.MUTED),
        ft.Text(S.CONTACT.format(name=site.contact_name, phone=site.contact_phone).strip(), size=14, color=T.MUTED)
        if site.contact_name or site.contact_phone else ft.Container(),
    ], spacing=2), bgcolor=T.SURFACE)
    return ui.view(S.CHOOSE_CHECKLIST_TITLE, [header, W.section_title(S.CHECKLISTS_FOR_SITE), *cards, err],
                   parent="/sites")
