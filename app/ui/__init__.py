"""Flet screens of 安巡. Views are thin: they render what ``app.services`` returns and call it;
they import nothing else of the app (not the store, the photo pipeline or the domain).

    shell.py            AppUI: navigation, the screen scaffold, width class, drafts of a session
    routes.py           the route table (main hands it to the shell)
    home.py             home: inspector, sync badge, drafts, overdue hazards
    site_picker.py      site search and filters, 新建场所
    choose_checklist.py the checklists that fit a site
    run_screen.py       run a checklist, one item at a time
    answer_controls.py  the answer control of each item kind
    hazard_sheet.py     one hazard's fields and photos, saved on change
    finish.py           summary, signature, 完成检查
    ledger.py           隐患台账: filters, list, two panes on a tablet
    hazard_detail.py    one hazard in the ledger: lifecycle, 复查
    settings_view.py    设置
    signature.py        the signature pad and its PNG
    photo_picker.py     picking and uploading photos, thumbnails
    connectivity.py     whether the device has a network link
    sync_badge.py       the sync badge and the strip under every AppBar
    widgets.py          buttons, fields, chips, pills, cards, the date picker (handlers guarded)
    autosave.py         debounced autosave of form fields
    drafts.py           what a session typed but has not saved
    errors.py           errors as the inspector reads them; the guard around every handler
    strings.py          the app's own words (the trade's words come from the vocabulary)
    theme.py            fonts, colours, text scaling
    calendar.py         the date picker (Chinese, weeks from Monday, plain local dates)
    filters.py          filters folded behind one button, the active ones as chips
    other_hazard.py     记录其他隐患: a hazard no item covers, created when saved
    photo_viewer.py     a photo full screen
    control_ids.py      control ids that never repeat an earlier server process's
"""

from .control_ids import fresh_control_ids

fresh_control_ids()
