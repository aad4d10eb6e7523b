"""Every UI string has a Thai translation, and the committed .mo matches the .po."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale/th/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def _po_entries():
    text = PO.read_text(encoding="utf-8")
    blocks = [
        b for b in text.split("\n\n") if "msgid" in b and not b.startswith('msgid ""\nmsgstr ""\n"')
    ]
    return blocks


def test_every_msgid_is_translated():
    untranslated = [
        b for b in _po_entries() if re.search(r'msgstr(\[0\])? ""\n?$', b.strip() + "\n")
    ]
    assert untranslated == []
    assert not any("#, fuzzy" in b for b in _po_entries())


def test_compiled_catalog_is_up_to_date():
    catalog = gettext.GNUTranslations(MO.open("rb"))
    assert catalog.gettext("Villages") == "หมู่บ้าน"
    # Every one-line msgid in the .po resolves to its msgstr through the .mo: a stale .mo fails.
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', PO.read_text(encoding="utf-8"), flags=re.M)
    assert len(pairs) > 100
    stale = [
        (i, s) for i, s in pairs if catalog.gettext(i.replace('\\"', '"')) != s.replace('\\"', '"')
    ]
    assert stale == []
