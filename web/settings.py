"""The service's settings: every GRANTS_* variable, read once, in one place.

`grants` (web/cli.py) and `create_app` (web/app) call `Settings.from_environ()` once
and hand the values down; nothing below them reads the environment. README,
"Configuration", documents each variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from lifecycle import signing, store
from lifecycle.clock import Clock
from policies import catalogue as catalogue_module
from policies.catalogue import Catalogue
from projections.obligations import Deadlines
from web import words
from web.digest import DigestMail

#: Each configurable deadline of the daily job, and the variable that sets it.
DEADLINE_VARIABLES = {
    "evaluation_days": "GRANTS_EVALUATION_DAYS",
    "window_warning_days": "GRANTS_WINDOW_WARNING_DAYS",
    "policy_warning_days": "GRANTS_POLICY_WARNING_DAYS",
    "clawback_days": "GRANTS_CLAWBACK_DAYS",
}
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$", re.ASCII)
_WHOLE = re.compile(r"^\d+$", re.ASCII)


class SettingsError(ValueError):
    """A GRANTS_* variable holds a value the service cannot use: a code (`settings.<code>`
    of the catalogues) and values, `variable` and the `value` it holds among them. Its
    str() is the English words (for a log or a traceback); `grants` says it in the
    language of GRANTS_LANG or the locale (`said`)."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(self.said("en"))

    def said(self, lang: str | None = None) -> str:
        """The error in the words of `lang` (default: the reader's)."""
        return words.text(f"settings.{self.code}", lang, **self.values)


@dataclass(frozen=True)
class Settings:
    data: Path = field(default_factory=store.data_dir)  # GRANTS_DATA (`--data DIR` wins)
    event_store: str | None = None  # GRANTS_EVENT_STORE: a postgresql:// address, or SQLite
    policies_dir: Path | None = None  # GRANTS_POLICIES_DIR: extra rule files
    secret_key: str | None = None  # GRANTS_SECRET_KEY (else a key kept in the data folder)
    session_minutes: int = 30  # GRANTS_SESSION_MINUTES
    secure_cookie: bool = False  # GRANTS_SECURE_COOKIE (the cookie is Secure over HTTPS anyway)
    scheduler: bool | None = None  # GRANTS_SCHEDULER on/off (unset: on under `grants serve`)
    scheduler_at: time = time(6, 30)  # GRANTS_SCHEDULER_AT, HH:MM Beijing time
    digest: DigestMail = field(default_factory=DigestMail)  # GRANTS_SMTP_*, GRANTS_DIGEST_*
    deadlines: Deadlines = field(default_factory=Deadlines)  # DEADLINE_VARIABLES
    clock: Clock = field(default_factory=Clock)  # GRANTS_TODAY
    signing_key: Path | None = None  # GRANTS_SIGNING_KEY (else `signing_key` in the data folder)
    language: str = "en"  # GRANTS_LANG (zh or en), else the locale: the words of `grants`

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings the variables in `environ` give (an empty value is unset).

        Raises SettingsError, naming the variable, for a value that cannot be used.
        """
        v = _Variables(environ)
        digest = DigestMail(
            host=v.text("GRANTS_SMTP_HOST"),
            port=v.whole("GRANTS_SMTP_PORT", DigestMail.port, least=1, most=65535),
            to=tuple(a.strip() for a in (v.text("GRANTS_DIGEST_TO") or "").split(",")
                     if a.strip()),
            sender=v.text("GRANTS_DIGEST_FROM") or DigestMail.sender)
        deadlines = Deadlines(**{name: v.whole(variable, getattr(Deadlines, name), least=0)
                                 for name, variable in DEADLINE_VARIABLES.items()})
        return cls(data=store.data_dir(v.text("GRANTS_DATA")),
                   event_store=v.event_store("GRANTS_EVENT_STORE"),
                   policies_dir=v.folder("GRANTS_POLICIES_DIR"),
                   secret_key=v.text("GRANTS_SECRET_KEY"),
                   session_minutes=v.whole("GRANTS_SESSION_MINUTES", cls.session_minutes,
                                           least=1),
                   secure_cookie=v.on_off("GRANTS_SECURE_COOKIE") is True,
                   scheduler=v.on_off("GRANTS_SCHEDULER"),
                   scheduler_at=v.hh_mm("GRANTS_SCHEDULER_AT", cls.scheduler_at),
                   digest=digest, deadlines=deadlines, clock=v.clock("GRANTS_TODAY"),
                   signing_key=v.path("GRANTS_SIGNING_KEY"),
                   language=v.language("GRANTS_LANG"))

    def signing_key_path(self) -> Path:
        """The key that signs the log's tree heads (kept outside the event store)."""
        return signing.key_path(self.data, self.signing_key)

    def catalogue(self) -> Catalogue:
        """The rule sets: the package's files, plus those in GRANTS_POLICIES_DIR."""
        return catalogue_module.load(extra_dir=self.policies_dir)


class _Variables:
    """Each kind of value a variable may hold, read from `environ` or refused by name."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def text(self, name: str) -> str | None:
        return self.environ.get(name, "").strip() or None

    def whole(self, name: str, default: int, least: int, most: int | None = None) -> int:
        text = self.text(name)
        if text is None:
            return default
        if (not _WHOLE.match(text) or int(text) < least
                or (most is not None and int(text) > most)):
            if most is None:
                raise SettingsError("whole_least", variable=name, least=least, value=repr(text))
            raise SettingsError("whole_range", variable=name, least=least, most=most,
                                value=repr(text))
        return int(text)

    def folder(self, name: str) -> Path | None:
        text = self.text(name)
        if text is not None and not Path(text).is_dir():
            raise SettingsError("folder", variable=name, value=repr(text))
        return None if text is None else Path(text)

    def path(self, name: str) -> Path | None:
        text = self.text(name)
        return None if text is None else Path(text)

    def on_off(self, name: str) -> bool | None:
        text = self.text(name)
        if text is not None and text.lower() not in ("on", "off"):
            raise SettingsError("on_off", variable=name, value=repr(text))
        return None if text is None else text.lower() == "on"

    def hh_mm(self, name: str, default: time) -> time:
        text = self.text(name)
        if text is None:
            return default
        found = _HH_MM.match(text)
        if not found or int(found[1]) > 23 or int(found[2]) > 59:
            raise SettingsError("hh_mm", variable=name, value=repr(text))
        return time(int(found[1]), int(found[2]))

    def event_store(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            # store.settings decides which addresses name a PostgreSQL store; given an
            # address, it answers without touching the data folder.
            store.settings(Path(), text)
        except ValueError:
            raise SettingsError("event_store", variable=name, value=repr(text)) from None
        return text

    def language(self, name: str) -> str:
        """zh or en: GRANTS_LANG, else what the locale (LC_ALL, LC_MESSAGES, LANG) names."""
        text = self.text(name)
        if text is not None and not text.lower().startswith(("zh", "en")):
            raise SettingsError("language", variable=name, value=repr(text))
        return words.language_of_environ(self.environ)

    def clock(self, name: str) -> Clock:
        text = self.text(name)
        try:
            return Clock.from_setting(text)
        except ValueError:
            raise SettingsError("date", variable=name, value=repr(text)) from None
