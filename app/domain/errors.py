"""The app's one error tree. Every error raised on purpose is an ``AnXunError``.

``str(error)`` is the precise English detail for logs (which record, field, file);
``error.message`` is the Chinese sentence a 网格员 sees, as is.

    AnXunError                    root: anything the app refuses or cannot do, on purpose
    ├── InvalidAnswer             a value does not fit its item or field         (domain.rules)
    ├── IllegalTransition         a hazard status change the lifecycle forbids   (domain.lifecycle)
    ├── InspectionLocked          a completed inspection is read-only
    ├── CompletionRefused         required answers, photos or signature missing
    ├── WithdrawalNeedsConfirm    a changed answer would withdraw hazards holding typed details
    ├── HazardUnderway            a changed answer would withdraw hazards already in 整改 or 复查
    ├── ReviewRefused             a 复查 the closing rules refuse                (domain.closing)
    ├── StoreError                the device database                            (store.errors)
    │   ├── NotFound              no such record
    │   ├── SchemaTooNew          made by a newer app
    │   └── FileError             the file or folder: DataDirUnwritable, StorageFull, StoreBusy,
    │                             StoreCorrupt, NotAnAnXunStore
    └── PhotoError                a photo is refused or not saved                (photos)
        ├── NotAnImage, TruncatedImage, ImageTooLarge, FileTooLarge, TooBigToDecode
        └── PhotoNotSaved         the data folder refused the file
            ├── StorageFull       the disk is full
            └── StorageReadOnly   the folder is read-only

Checklist file errors (``checklists.ChecklistError``) stay outside: ``checklists`` imports
nothing from ``app``. The UI maps both trees to text in one place (``app.ui.errors``).
"""

from __future__ import annotations


class AnXunError(Exception):
    """Root of the app's errors; ``message`` is the Chinese text to show."""

    message: str = "操作未完成，请重试"

    def __init__(self, detail: str, message: str | None = None):
        super().__init__(detail)
        if message is not None:
            self.message = message


class InvalidAnswer(AnXunError):
    """A value that does not fit its item or field (``field`` names which, e.g. ``A3``, ``deadline``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", message)
        self.field = field

    @property
    def item_id(self) -> str:
        return self.field


class InspectionLocked(AnXunError):
    """A completed inspection is read-only."""

    def __init__(self, inspection_id: str):
        super().__init__(f"inspection {inspection_id} is completed and read-only", "该检查已完成，记录只读")
        self.inspection_id = inspection_id


class CompletionRefused(AnXunError):
    """An inspection cannot complete yet; ``problems`` lists why, in Chinese."""

    def __init__(self, inspection_id: str, problems: list[str]):
        super().__init__(f"inspection {inspection_id} cannot complete: {problems}", "；".join(problems))
        self.problems = problems


class _AnswerWouldWithdraw(AnXunError):
    """A changed answer would withdraw hazards (``descriptions`` names them); nothing was saved."""

    #: what the hazards hold, for the log; the Chinese sentence, with ``{listed}`` for the hazards
    why = ""
    template = "{listed}"

    def __init__(self, item_id: str, descriptions: list[str]):
        listed = "、".join(f"“{d}”" for d in descriptions)
        super().__init__(f"answer to {item_id} would withdraw {len(descriptions)} hazard(s) {self.why}",
                         self.template.format(listed=listed))
        self.item_id = item_id
        self.descriptions = descriptions


class WithdrawalNeedsConfirm(_AnswerWouldWithdraw):
    """The hazards hold what the inspector typed or attached. Answering again with the withdrawal
    confirmed goes ahead (the details are kept and come back with the hazard)."""

    why = "with details"
    template = "改这个答案会撤销已填写的隐患：{listed}"


class HazardUnderway(_AnswerWouldWithdraw):
    """The hazards are already along their lifecycle (整改 started, a 复查 recorded, perhaps on
    another device): their record must stay, so the answer cannot be changed that way."""

    why = "already in 整改 or 复查"
    template = "该答案登记的隐患已进入整改或复查，不能再通过改答案撤销：{listed}。请在隐患台账中跟进"
