"""The route table: which screen each route shows. ``main`` hands it to the shell (``AppUI``),
which imports no screen itself, so screens may import the shell.

    /                       home
    /sites                  site picker (search, filters)
    /sites/new              新建场所
    /site/<site_id>         choose a checklist for the site
    /run/<inspection_id>    run the checklist, one item at a time
    /hazard/new/<inspection_id>  记录其他隐患 (created when saved)
    /hazard/<hazard_id>     hazard sheet
    /finish/<inspection_id> summary, signature, 完成检查
    /ledger                 隐患台账 (list; list + detail side by side when wide)
    /ledger/<hazard_id>     隐患 detail
    /settings               设置
"""

from __future__ import annotations

from . import (
    choose_checklist,
    finish,
    hazard_sheet,
    home,
    ledger,
    other_hazard,
    run_screen,
    settings_view,
    site_picker,
)
from .shell import Route

ROUTES: list[Route] = [
    ("/", home.build),
    ("/sites", site_picker.build),
    ("/sites/new", site_picker.build_new),
    ("/site/:site_id", choose_checklist.build),
    ("/run/:inspection_id", run_screen.build),
    ("/hazard/new/:inspection_id", other_hazard.build),
    ("/hazard/:hazard_id", hazard_sheet.build),
    ("/finish/:inspection_id", finish.build),
    ("/ledger", ledger.build),
    ("/ledger/:hazard_id", ledger.build),
    ("/settings", settings_view.build),
]
